// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server, step 02 made it speak in framed requests, step 03 gave it
// topics split into partitions. Step 04 puts every partition on disk: a Log per partition under
// `dataDir/<topic>-<partition>/`, reopened (and recovered) when the broker starts again, trimmed
// by retention, and topics an admin can create with a chosen number of partitions.
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KafkaError } from './errors.ts';
import { FrameDecoder, FrameTooLargeError } from './frame.ts';
import { Log, type LogOptions } from './log.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
import type { CreateTopicsRequest, CreateTopicsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, ProduceResult, Reply, Request, RequestOf, RequestType, ResponseOf, TopicMetadata, WireBatch } from './protocol/index.ts';
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
  //> step 04 given
  /** Segment size, retention and flushing of every partition's log (see log.ts for Kafka's names). */
  logOptions?: Omit<LogOptions, 'log'>;
  /** How often retention runs; Kafka's `log.retention.check.interval.ms` (5 minutes). */
  retentionCheckIntervalMs?: number;
  /** The most partitions a topic may be created with (1000 by default; see handleCreateTopics). */
  maxPartitionsPerTopic?: number;
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
  //> step 04 rewrites: partitions move from memory to a log on disk
  /** Each topic's partitions: one log on disk per partition, the index in the array is its number. */
  private readonly topics = new Map<string, Log[]>();
  private readonly dataDir: string;
  private readonly logOptions: Omit<LogOptions, 'log'>;
  private readonly retentionCheckIntervalMs: number;
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly maxPartitionsPerTopic: number;
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
    //> step 04 given
    // Kafka's default log.dirs is /tmp/kafka-logs; one folder per broker id, so two brokers never share one.
    this.dataDir = options.dataDir ?? path.join(os.tmpdir(), `kafka-logs-${this.id}`);
    this.logOptions = options.logOptions ?? {};
    this.retentionCheckIntervalMs = options.retentionCheckIntervalMs ?? 300_000;
    this.maxPartitionsPerTopic = options.maxPartitionsPerTopic ?? 1000;
    //<
  }

  // #region start
  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    //> step 04 given
    this.loadLogs();
    this.retentionTimer = setInterval(() => this.deleteOldSegments(), this.retentionCheckIntervalMs);
    this.retentionTimer.unref(); // retention alone should never keep the process alive
    //<
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
    const requests = new RequestQueue(socket, (frame) => encodeMessage(this.answer(frame)), {
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
  private answer(frame: Buffer): Reply {
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open.
      return errorResponse(error.correlationId, 'INVALID_REQUEST', error.message);
    }
    try {
      return { correlationId: request.correlationId, ...this.handle(request) };
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
  private readonly handlers: { [K in RequestType]: (request: RequestOf<K>) => ResponseOf<K> } = {
    produce: (request) => this.handleProduce(request),
    metadata: (request) => this.handleMetadata(request),
    //> step 04 given
    createTopics: (request) => this.handleCreateTopics(request),
    //<
  };

  /** Routes a request to its handler by type. */
  private handle(request: Request): ResponseOf<RequestType> {
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    const handler = this.handlers[request.type] as (request: Request) => ResponseOf<RequestType>;
    return handler(request);
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  //> step 04 given
  /** A topic's partitions, created with `numPartitions` partitions the first time it is named. */
  private partitionsOf(topic: string): Log[] {
    return this.topics.get(topic) ?? this.createTopic(topic, this.numPartitions);
  }

  // #region create-topic
  /** Creates a topic's logs on disk. A bad name is refused before anything is created. */
  private createTopic(topic: string, partitions: number): Log[] {
  //<
    //> step 04 task 7: Broker.createTopic — check the name, open one Log per partition under dataDir, remember them, and log it
    validateTopicName(topic);
    const logs = Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition));
    this.topics.set(topic, logs);
    this.log(`Created topic "${topic}" with ${partitions} partition(s) in ${this.dataDir}`);
    return logs;
    //<
  //> step 04 given
  }
  // #endregion create-topic

  // #region load-logs
  /** Reopens every partition found in dataDir: what a restarted broker already holds. */
  private loadLogs(): void {
  //<
    //> step 04 task 7: Broker.loadLogs — find the <topic>-<partition> folders in dataDir and open their logs (recovery happens in Log.open)
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
    //<
  //> step 04 given
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
  //<

  // #region metadata
  /** The brokers, and each asked-for topic's partitions with their leader. */
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    const names = request.topics ?? [...this.topics.keys()];
    //> step 04 rewrites: a topic is described by describeTopic, which also reports a bad topic name
    const topics = names.map((name) => this.describeTopic(name));
    //<
    const { host, port } = this.boundAddress();
    return { brokers: [{ id: this.id, host, port }], topics };
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
    //> step 04 rewrites: partitionsOf now refuses a bad topic name, which becomes this batch's error
    let target: Log | undefined;
    try {
      target = this.partitionsOf(topic)[partition];
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      return { topic, partition, baseOffset: -1, error: { code: error.code, message: error.message } };
    }
    //<
    if (!target) {
      const count = this.partitionsOf(topic).length;
      return { topic, partition, baseOffset: -1, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `topic "${topic}" has partitions 0 to ${count - 1}, not ${partition}` } };
    }
    const records = batch.records.map(fromWire);
    const size = records.reduce((sum, record) => sum + recordBytes(record), 0);
    if (size > this.messageMaxBytes) {
      return { topic, partition, baseOffset: -1, error: { code: 'MESSAGE_TOO_LARGE', message: `a batch of ${size} bytes is over messageMaxBytes (${this.messageMaxBytes}); send smaller batches or raise the limit` } };
    }
    return { topic, partition, baseOffset: target.append(records) };
  }
  // #endregion produce

  /** The records of a partition from `offset` on (for tests and demos; consumers come in step 05). */
  records(topic: string, partition: number, offset = 0): StoredRecord[] {
    //> step 04 rewrites: a log on disk hands back batches, so records() reads them one after another
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
    //<
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
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    //> step 04 given
    clearInterval(this.retentionTimer ?? undefined);
    for (const logs of this.topics.values()) for (const log of logs) log.close();
    this.topics.clear();
    //<
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
