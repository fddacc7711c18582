// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server, step 02 made it speak in framed requests, step 03 gave it
// topics split into partitions. Step 04 puts every partition on disk: a Log per partition under
// `dataDir/<topic>-<partition>/`, reopened (and recovered) when the broker starts again, trimmed
// by retention, and topics an admin can create with a chosen number of partitions. Step 05 lets
// consumers read: `listOffsets` says where a partition starts and ends, and `fetch` reads records
// from an offset, waiting (long polling) when there is nothing new yet.
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FetchPurgatory } from './delayed-fetch.ts';
import { KafkaError } from './errors.ts';
import { FrameDecoder, FrameTooLargeError } from './frame.ts';
import { Log, type LogOptions } from './log.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
import type { CreateTopicsRequest, CreateTopicsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, ProduceResult, Reply, Request, RequestOf, RequestType, ResponseOf, TopicMetadata, WireBatch } from './protocol/index.ts';
import { EARLIEST_TIMESTAMP, type FetchedPartition, type FetchPartition, type FetchRequest, type FetchResponse, type ListOffsetsRequest, type WireRecordWithOffset, type ListOffsetsResponse } from './protocol/index.ts';
import { batchSize, type RecordBatch } from './record-batch.ts';
// A record as the log stores it (step 03 called it a StoredRecord and kept it in memory).
import { recordsFrom, type RecordWithOffset as StoredRecord } from './record-batch.ts';
import { validateTopicName } from './topic-name.ts';
import { RequestQueue } from './request-queue.ts';

export interface BrokerOptions {
  /** The broker's id in a cluster; Kafka's `broker.id`. Only printed in this step. */
  id?: number;
  /** Interface to bind. Loopback by default, so nothing outside this machine can connect. */
  host?: string;
  /** TCP port; 0 asks the operating system for any free port. Kafka's default is 9092. */
  port?: number;
  /** Where the broker keeps its data (used from step 04 on). */
  dataDir?: string;
  /** Where to print what the broker does; silent unless given (the demo passes console.log). */
  log?: (line: string) => void;
  /** The largest frame accepted from a client, in bytes; Kafka's `socket.request.max.bytes` (100 MiB). */
  maxFrameBytes?: number;
  /** Requests one connection may have waiting for their turn before the broker stops reading from it; after Kafka's `queued.max.requests` (500). */
  queuedMaxRequests?: number;
  /** A connection with nothing to do for this long is closed; Kafka's `connections.max.idle.ms` (10 minutes). */
  connectionsMaxIdleMs?: number;
  /** Partitions of a topic created on first use; Kafka's `num.partitions`, 1 by default. */
  numPartitions?: number;
  /** The largest batch accepted, in bytes of keys, values and headers; Kafka's `message.max.bytes`. */
  messageMaxBytes?: number;
  /** Segment size, retention and flushing of every partition's log (see log.ts for Kafka's names). */
  logOptions?: Omit<LogOptions, 'log'>;
  /** How often retention runs; Kafka's `log.retention.check.interval.ms` (5 minutes). */
  retentionCheckIntervalMs?: number;
  /** The most partitions a topic may be created with (1000 by default; see handleCreateTopics). */
  maxPartitionsPerTopic?: number;
  //> step 05 given
  /** The most bytes of records one fetch answer carries, whatever it asks; Kafka's broker-side `fetch.max.bytes` (55 MiB). */
  fetchMaxBytes?: number;
  //<
}

export interface BrokerAddress {
  host: string;
  port: number;
}

export class Broker {
  readonly id: number;
  private readonly host: string;
  private readonly port: number;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  /** Live client connections, so that stop() can close them. */
  private readonly connections = new Set<Socket>();
  /** Each topic's partitions: one log on disk per partition, the index in the array is its number. */
  private readonly topics = new Map<string, Log[]>();
  private readonly dataDir: string;
  private readonly logOptions: Omit<LogOptions, 'log'>;
  private readonly retentionCheckIntervalMs: number;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly maxPartitionsPerTopic: number;
  //> step 05 given
  /** Fetches waiting for records (long polling), woken by appends to their partitions. */
  private readonly purgatory = new FetchPurgatory();
  private readonly fetchMaxBytes: number;
  //<
  private readonly numPartitions: number;
  private readonly messageMaxBytes: number;
  /** Requests received per type, so tests and demos can count round trips. */
  private readonly requestCounts = new Map<string, number>();
  /** The largest frame a client may send; Kafka's `socket.request.max.bytes`. */
  private readonly maxFrameBytes: number | undefined;
  /** Frames one connection may have waiting for their turn; Kafka's `queued.max.requests`. */
  private readonly queuedMaxRequests: number;
  /** How long a connection may sit idle before the broker closes it; Kafka's `connections.max.idle.ms`. */
  private readonly connectionsMaxIdleMs: number;

  constructor(options: BrokerOptions = {}) {
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
    this.maxFrameBytes = options.maxFrameBytes;
    this.queuedMaxRequests = options.queuedMaxRequests ?? 500;
    this.connectionsMaxIdleMs = options.connectionsMaxIdleMs ?? 600_000;
    this.numPartitions = options.numPartitions ?? 1;
    this.messageMaxBytes = options.messageMaxBytes ?? 1_048_588;
    // Kafka's default log.dirs is /tmp/kafka-logs; one folder per broker id, so two brokers never share one.
    this.dataDir = options.dataDir ?? path.join(os.tmpdir(), `kafka-logs-${this.id}`);
    this.logOptions = options.logOptions ?? {};
    this.retentionCheckIntervalMs = options.retentionCheckIntervalMs ?? 300_000;
    this.maxPartitionsPerTopic = options.maxPartitionsPerTopic ?? 1000;
    //> step 05 given
    this.fetchMaxBytes = options.fetchMaxBytes ?? 57_671_680;
    //<
  }

  // #region start
  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    this.loadLogs();
    this.retentionTimer = setInterval(() => this.deleteOldSegments(), this.retentionCheckIntervalMs);
    this.retentionTimer.unref(); // retention alone should never keep the process alive
    const server = net.createServer((socket) => this.handleConnection(socket));
    // listen() reports failure (say, EADDRINUSE) as an 'error' event, not an exception.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.log(`Broker ${this.id} listening on ${address}:${port}`);
    return { host: address, port };
  }
  // #endregion start

  // #region connection
  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    // Answers this connection's requests one at a time, in the order they came (request-queue.ts).
    //> step 05 rewrites: an answer may wait (a fetch long-polls), and learns when its client goes
    const requests = new RequestQueue(socket, async (frame, clientGone) => encodeMessage(await this.answer(frame, clientGone)), {
    //<
      queuedMaxRequests: this.queuedMaxRequests,
      connectionsMaxIdleMs: this.connectionsMaxIdleMs,
      log: this.log,
    });
    // A chunk is whatever the network delivered: part of a frame, or several. The decoder
    // (one per connection: each stream is cut on its own) turns chunks back into frames.
    const decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        // After a bad length there is no way to find the next frame: say why, then hang up on
        // this client only. Every other connection has its own decoder and carries on.
        const { message } = error as Error;
        this.log(`Closing the connection of ${socket.remoteAddress}:${socket.remotePort}: ${message}`);
        socket.end(encodeMessage(errorResponse(null, 'INVALID_REQUEST', message)));
        socket.off('data', onData); // stop reading: later chunks would only hit the same bad length
        return;
      }
      for (const frame of frames) requests.push(frame);
    };
    socket.on('data', onData);
    // Without a listener, an 'error' event (a client resetting its connection, say) is thrown
    // and takes the whole process down with it.
    socket.on('error', (error) => this.log(`Connection error: ${error.message}`));
  }
  // #endregion connection

  // #region answer
  /** The response to one frame: the handler's answer, or an error the client can read. */
  //> step 05 rewrites: answer() waits for handlers that may wait, and passes on the signal that the client has gone
  private async answer(frame: Buffer, clientGone?: AbortSignal): Promise<Reply> {
  //<
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open.
      return errorResponse(error.correlationId, 'INVALID_REQUEST', error.message);
    }
    try {
      //> step 05 rewrites: a handler's answer may be a promise, and a fetch learns when its client goes
      return { correlationId: request.correlationId, ...(await this.handle(request, clientGone)) };
      //<
    } catch (error) {
      // A bug in one handler must not take the broker down for everyone: this client hears
      // about it (Kafka's UNKNOWN_SERVER_ERROR), the log keeps the details.
      const { message, stack } = error as Error;
      this.log(`Failed to handle a ${request.type} request: ${stack ?? message}`);
      return errorResponse(request.correlationId, 'UNKNOWN_SERVER_ERROR', message);
    }
  }
  // #endregion answer

  /** Each request type's handler; later steps add theirs. The types hold each to its own request and response. */
  //> step 05 rewrites: handlers may answer later (a fetch waits), and learn when their client goes
  private readonly handlers: { [K in RequestType]: (request: RequestOf<K>, clientGone?: AbortSignal) => ResponseOf<K> | Promise<ResponseOf<K>> } = {
  //<
    produce: (request) => this.handleProduce(request),
    metadata: (request) => this.handleMetadata(request),
    createTopics: (request) => this.handleCreateTopics(request),
    //> step 05 given
    listOffsets: (request) => this.handleListOffsets(request),
    fetch: (request, clientGone) => this.handleFetch(request, clientGone),
    //<
  };

  /** Routes a request to its handler by type. */
  //> step 05 rewrites: a handler's answer may be a promise, and a fetch learns when its client goes
  private handle(request: Request, clientGone?: AbortSignal): ResponseOf<RequestType> | Promise<ResponseOf<RequestType>> {
  //<
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    //> step 05 rewrites: a handler's answer may be a promise, and a fetch learns when its client goes
    const handler = this.handlers[request.type] as (request: Request, clientGone?: AbortSignal) => ResponseOf<RequestType> | Promise<ResponseOf<RequestType>>;
    return handler(request, clientGone);
    //<
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  /** A topic's partitions, created with `numPartitions` partitions the first time it is named. */
  private partitionsOf(topic: string): Log[] {
    return this.topics.get(topic) ?? this.createTopic(topic, this.numPartitions);
  }

  // #region create-topic
  /** Creates a topic's logs on disk. A bad name is refused before anything is created. */
  private createTopic(topic: string, partitions: number): Log[] {
    validateTopicName(topic);
    const logs = Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition));
    this.topics.set(topic, logs);
    this.log(`Created topic "${topic}" with ${partitions} partition(s) in ${this.dataDir}`);
    return logs;
  }
  // #endregion create-topic

  // #region load-logs
  /** Reopens every partition found in dataDir: what a restarted broker already holds. */
  private loadLogs(): void {
    fs.mkdirSync(this.dataDir, { recursive: true });
    const found = new Map<string, number>();
    for (const entry of fs.readdirSync(this.dataDir, { withFileTypes: true })) {
      // The partition number is after the LAST dash: topic names may contain dashes themselves.
      const match = entry.isDirectory() ? /^(.+)-(\d+)$/.exec(entry.name) : null;
      if (!match) continue;
      const [, topic, partition] = match;
      found.set(topic!, Math.max(found.get(topic!) ?? 0, Number(partition) + 1));
    }
    for (const [topic, partitions] of found) {
      this.topics.set(topic, Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition)));
      this.log(`Loaded topic "${topic}" (${partitions} partition(s)) from ${this.dataDir}`);
    }
  }
  // #endregion load-logs

  private openLog(topic: string, partition: number): Log {
    return Log.open(this.dataDir, topic, partition, { ...this.logOptions, log: (line) => this.log(`[${topic}-${partition}] ${line}`) });
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    let deleted = 0;
    for (const logs of this.topics.values()) for (const log of logs) deleted += log.deleteOldSegments();
    return deleted;
  }

  /** Creates the topics asked for; each gets its own result, as in Kafka's CreateTopics. */
  private handleCreateTopics(request: CreateTopicsRequest): CreateTopicsResponse {
    const topics = request.topics.map(({ name, partitions }) => {
      if (this.topics.has(name)) return { name, error: { code: 'TOPIC_ALREADY_EXISTS', message: `topic "${name}" already exists` } };
      // Kafka sets no limit per topic, but it refuses what it cannot do. Here every partition is a
      // folder with two files held open for as long as the broker runs: a million of them would
      // take every file handle the process may have, freeze the broker while it tried, and leave a
      // half-made topic to reload at every restart. So the count is checked before anything is created.
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > this.maxPartitionsPerTopic) {
        return { name, error: { code: 'INVALID_PARTITIONS', message: `a topic needs a whole number of partitions from 1 to ${this.maxPartitionsPerTopic} (maxPartitionsPerTopic), not ${partitions}` } };
      }
      try {
        this.createTopic(name, partitions);
        return { name };
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error;
        return { name, error: { code: error.code, message: error.message } };
      }
    });
    return { topics };
  }

  /** A topic's metadata, or the error that keeps it from existing (a bad name, say). */
  private describeTopic(name: string): TopicMetadata {
    try {
      return {
        name,
        partitions: this.partitionsOf(name).map((_, partition) => ({
          partition,
          // One broker: it leads every partition and is its only replica (step 07 adds more).
          leader: this.id,
          replicas: [this.id],
          isr: [this.id],
        })),
      };
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      return { name, error: { code: error.code, message: error.message }, partitions: [] };
    }
  }

  // #region metadata
  /** The brokers, and each asked-for topic's partitions with their leader. */
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    const names = request.topics ?? [...this.topics.keys()];
    const topics = names.map((name) => this.describeTopic(name));
    const { host, port } = this.boundAddress();
    //> step 05 rewrites: the metadata names the controller for kcat -L
    // Alone in its cluster, the broker is also its controller (step 08 elects one among many).
    return { brokers: [{ id: this.id, host, port }], controllerId: this.id, topics };
    //<
  }
  // #endregion metadata

  // #region produce
  /** Appends each batch to its partition; one result per batch, and one bad batch spoils no other. */
  private handleProduce(request: ProduceRequest): ProduceResponse {
    return { results: request.batches.map((batch) => this.appendBatch(batch)) };
  }

  private appendBatch(batch: WireBatch): ProduceResult {
    const { topic, partition } = batch;
    // A batch of nothing would take no offset and leave no trace: Kafka refuses one whose record
    // count is 0 as INVALID_RECORD, and so does this broker.
    if (batch.records.length === 0) {
      return { topic, partition, baseOffset: -1, error: { code: 'INVALID_RECORD', message: `the batch for ${topic}-${partition} has no records; a batch needs at least one` } };
    }
    let target: Log | undefined;
    try {
      target = this.partitionsOf(topic)[partition];
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      return { topic, partition, baseOffset: -1, error: { code: error.code, message: error.message } };
    }
    if (!target) {
      const count = this.partitionsOf(topic).length;
      return { topic, partition, baseOffset: -1, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `topic "${topic}" has partitions 0 to ${count - 1}, not ${partition}` } };
    }
    const records = batch.records.map(fromWire);
    const size = records.reduce((sum, record) => sum + recordBytes(record), 0);
    if (size > this.messageMaxBytes) {
      return { topic, partition, baseOffset: -1, error: { code: 'MESSAGE_TOO_LARGE', message: `a batch of ${size} bytes is over messageMaxBytes (${this.messageMaxBytes}); send smaller batches or raise the limit` } };
    }
    //> step 05 rewrites: an append wakes the fetches parked on its partition
    const baseOffset = target.append(records);
    // Fetches parked on this partition (long polling) can now be answered.
    this.purgatory.appended(topic, partition);
    return { topic, partition, baseOffset };
    //<
  }
  // #endregion produce

  //> step 05 given
  /** The log of a partition a client reads, or the error to answer with (reading creates no topic). */
  private logToRead(topic: string, partition: number): Log | { code: string; message: string } {
    const logs = this.topics.get(topic);
    if (!logs) return { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `there is no topic "${topic}"; produce to it or create it first` };
    const log = logs[partition];
    if (!log) return { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `topic "${topic}" has partitions 0 to ${logs.length - 1}, not ${partition}` };
    return log;
  }

  // #region list-offsets
  /** Where each partition starts (earliest, -2) or ends (latest, -1): Kafka's ListOffsets. */
  private handleListOffsets(request: ListOffsetsRequest): ListOffsetsResponse {
    const partitions = request.partitions.map(({ topic, partition, timestamp }) => {
      const log = this.logToRead(topic, partition);
      if (!(log instanceof Log)) return { topic, partition, offset: -1, error: log };
  //<
      //> step 05 task 1: Broker.handleListOffsets — earliest (-2) is the log start offset, latest (-1) the log end offset
      return { topic, partition, offset: timestamp === EARLIEST_TIMESTAMP ? log.logStartOffset : log.logEndOffset };
      //<
  //> step 05 given
    });
    return { partitions };
  }
  // #endregion list-offsets

  /**
   * Answers a fetch at once when it has minBytes (or an error) to give; otherwise parks it until
   * an append to one of its partitions, or maxWaitMs, or the broker stops or its client goes
   * (long polling).
   */
  // #region fetch
  private async handleFetch(request: FetchRequest, clientGone?: AbortSignal): Promise<FetchResponse> {
    const deadline = Date.now() + request.maxWaitMs;
    for (;;) {
      const { response, bytes } = this.readFetch(request);
      const hasError = response.partitions.some((partition) => partition.error);
      const timeLeft = deadline - Date.now();
      if (bytes >= request.minBytes || hasError || timeLeft <= 0) return response;
  //<
      //> step 05 task 3: Broker.handleFetch — not enough yet: park the fetch in the purgatory until an append, the deadline or its client leaving (clientGone), then read again; when released, answer with what there is
      // This loop turns once per append to one of the fetch's partitions, never on a timer.
      const reason = await this.purgatory.wait(request.partitions, timeLeft, clientGone);
      if (reason === 'released') return response;
      //<
  //> step 05 given
    }
  }
  // #endregion fetch

  // #region read-fetch
  /** Reads every partition of a fetch once, within its byte limits; also says how many bytes it took. */
  private readFetch(request: FetchRequest): { response: FetchResponse; bytes: number } {
    // However much a client asks for, one answer carries at most fetchMaxBytes of records.
    const maxBytes = Math.min(request.maxBytes, this.fetchMaxBytes);
    let bytes = 0;
    const partitions = request.partitions.map((wanted): FetchedPartition => {
      const log = this.logToRead(wanted.topic, wanted.partition);
      if (!(log instanceof Log)) return { topic: wanted.topic, partition: wanted.partition, highWatermark: -1, logStartOffset: -1, records: [], error: log };
      const fetched = { topic: wanted.topic, partition: wanted.partition, highWatermark: log.logEndOffset, logStartOffset: log.logStartOffset };
      const batches = this.readPartition(log, wanted, maxBytes - bytes);
      if (batches === 'out of range') {
        const message = `offset ${wanted.offset} is not in ${wanted.topic}-${wanted.partition}, which holds offsets ${log.logStartOffset} to ${log.logEndOffset - 1}`;
        return { ...fetched, records: [], error: { code: 'OFFSET_OUT_OF_RANGE', message } };
      }
      bytes += batches.reduce((sum, batch) => sum + batchSize(batch), 0);
      // A batch may start before the offset asked for: only the records from it on are sent.
      return { ...fetched, records: recordsFrom(batches, wanted.offset).map(toWireRecord) };
    });
    return { response: { partitions }, bytes };
  }
  // #endregion read-fetch

  // #region read-partition
  /**
   * The batches of one partition from `wanted.offset` on: at most its own maxBytes and what is
   * left of the request's. As in Kafka, a limit never stops the first batch that does not fit
   * when nothing else has been taken from this partition, so a big batch cannot block a consumer.
   */
  private readPartition(log: Log, wanted: FetchPartition, bytesLeft: number): RecordBatch[] | 'out of range' {
  //<
    //> step 05 task 2: Broker.readPartition — 'out of range' outside logStartOffset..logEndOffset, nothing at the end or when no bytes are left, else log.read within the smaller limit
    if (wanted.offset < log.logStartOffset || wanted.offset > log.logEndOffset) return 'out of range';
    if (wanted.offset === log.logEndOffset || bytesLeft <= 0) return [];
    return log.read(wanted.offset, Math.min(wanted.maxBytes ?? bytesLeft, bytesLeft));
    //<
  //> step 05 given
  }
  // #endregion read-partition

  /** How many fetches are parked now, waiting for records (for tests and demos). */
  parkedFetches(): number {
    return this.purgatory.size;
  }
  //<

  /** The records of a partition from `offset` on (for tests and demos; consumers come in step 05). */
  records(topic: string, partition: number, offset = 0): StoredRecord[] {
    const log = this.topics.get(topic)?.[partition];
    if (!log) return [];
    const records: StoredRecord[] = [];
    let next = offset;
    while (next < log.logEndOffset) {
      const read = recordsFrom(log.read(next), next);
      if (read.length === 0) break;
      records.push(...read);
      next = read.at(-1)!.offset + 1;
    }
    return records;
  }

  /** The address clients reach this broker at, as bound (the real port when started on 0). */
  private boundAddress(): BrokerAddress {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? { host: bound.address, port: bound.port } : { host: this.host, port: this.port };
  }

  // #region stop
  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    // server.close() only stops new connections; it waits for live ones to end on their own.
    //> step 05 given
    this.purgatory.releaseAll(); // parked fetches answer now, their timers go
    //<
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    clearInterval(this.retentionTimer ?? undefined);
    for (const logs of this.topics.values()) for (const log of logs) log.close();
    this.topics.clear();
    this.log(`Broker ${this.id} stopped`);
  }
  // #endregion stop
}

/** A record as it arrived (base64 on the wire) back to bytes. */
function fromWire(record: WireBatch['records'][number]): Omit<StoredRecord, 'offset'> {
  const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
  return {
    key: bytes(record.key),
    value: bytes(record.value),
    timestamp: record.timestamp,
    headers: record.headers.map((header) => ({ key: header.key, value: bytes(header.value) })),
  };
}

/** What `messageMaxBytes` counts: the bytes of a record's key, value and headers. */
function recordBytes(record: Omit<StoredRecord, 'offset'>): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

//> step 05 given
/** A record read from the log as the fetch response carries it: bytes as base64. */
function toWireRecord(record: StoredRecord): WireRecordWithOffset {
  const base64 = (bytes: Buffer | null) => bytes?.toString('base64') ?? null;
  return {
    offset: record.offset,
    key: base64(record.key),
    value: base64(record.value),
    timestamp: record.timestamp,
    headers: record.headers.map((header) => ({ key: header.key, value: base64(header.value) })),
  };
}
//<
