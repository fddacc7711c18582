// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server, step 02 made it speak in framed requests, step 03 gave it
// topics split into partitions. Step 04 puts every partition on disk: a Log per partition under
// `dataDir/<topic>-<partition>/`, reopened (and recovered) when the broker starts again, trimmed
// by retention, and topics an admin can create with a chosen number of partitions. Step 05 lets
// consumers read: `listOffsets` says where a partition starts and ends, and `fetch` reads records
// from an offset, waiting (long polling) when there is nothing new yet. Step 06 makes the broker
// a group coordinator: consumers join groups through it (group-coordinator.ts), and their
// committed offsets go into the internal topic __consumer_offsets (consumer-offsets.ts).
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConsumerOffsets, DEFAULT_OFFSETS_TOPIC_PARTITIONS } from './consumer-offsets.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { KafkaError, errorBody } from '../common/errors.ts';
import { GroupCoordinator, type GroupDescription } from './group-coordinator.ts';
import { FrameDecoder } from '../network/frame.ts';
import type { LogOptions } from '../storage/log-config.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from '../protocol/index.ts';
import type { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/index.ts';
import type { FindCoordinatorResponse } from '../protocol/index.ts';
import type { CreateTopicsRequest, CreateTopicsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, ProduceResult, Reply, Request, RequestOf, RequestType, ResponseOf, TopicMetadata } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { ReplicaManager } from './replica-manager.ts';
import { RequestQueue } from '../network/request-queue.ts';

export interface BrokerOptions {
  /** The broker's id in a cluster; Kafka's `broker.id`. It names the broker in its log lines (and, from step 03, in metadata). */
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
  /**
   * The largest batch accepted, counted here in bytes of keys, values and headers. Kafka's
   * `message.max.bytes` (1 MiB and 12 bytes) counts the batch as the producer sent it (compressed,
   * if it is) and as the log stores it, header included; step 09 counts it that way.
   */
  messageMaxBytes?: number;
  /** Segment size, retention and flushing of every partition's log (see log.ts for Kafka's names). */
  logOptions?: Omit<LogOptions, 'log'>;
  /** How often retention runs; Kafka's `log.retention.check.interval.ms` (5 minutes). */
  retentionCheckIntervalMs?: number;
  /** The most partitions a topic may be created with (1000 by default; see handleCreateTopics). */
  maxPartitionsPerTopic?: number;
  /** The most bytes of records one fetch answer carries, whatever it asks; Kafka's broker-side `fetch.max.bytes` (55 MiB). */
  fetchMaxBytes?: number;
  /** Partitions of __consumer_offsets; Kafka's `offsets.topic.num.partitions` (50). */
  offsetsTopicNumPartitions?: number;
  /** Shortest session timeout a consumer may ask for; Kafka's `group.min.session.timeout.ms` (6 s). */
  groupMinSessionTimeoutMs?: number;
  /** Longest; Kafka's `group.max.session.timeout.ms` (30 min). */
  groupMaxSessionTimeoutMs?: number;
  /** How long a new group waits for more members before its first rebalance; Kafka's `group.initial.rebalance.delay.ms` (3 s). */
  groupInitialRebalanceDelayMs?: number;
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
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  private readonly replicaManager: ReplicaManager;
  private readonly maxPartitionsPerTopic: number;
  /** Committed offsets, in the internal topic __consumer_offsets. */
  private readonly consumerOffsets: ConsumerOffsets;
  /** Runs the consumer groups: joins, rebalances, heartbeats, commits. */
  private readonly coordinator: GroupCoordinator;
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
    this.replicaManager = new ReplicaManager({
      numPartitions: options.numPartitions ?? 1,
      messageMaxBytes: options.messageMaxBytes ?? 1_048_588,
      log: this.log,
      // Kafka's default log.dirs is /tmp/kafka-logs; one folder per broker id, so two brokers never share one.
      dataDir: options.dataDir ?? path.join(os.tmpdir(), `kafka-logs-${this.id}`),
      logOptions: options.logOptions ?? {},
      retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 300_000,
      fetchMaxBytes: options.fetchMaxBytes ?? 57_671_680,
      offsetsTopicNumPartitions: options.offsetsTopicNumPartitions ?? DEFAULT_OFFSETS_TOPIC_PARTITIONS,
    });
    this.maxPartitionsPerTopic = options.maxPartitionsPerTopic ?? 1000;
    this.consumerOffsets = new ConsumerOffsets(
      () => this.replicaManager.partitionsOf(OFFSETS_TOPIC),
      (partition) => this.replicaManager.appended(OFFSETS_TOPIC, partition),
    );
    this.coordinator = new GroupCoordinator({
      offsets: this.consumerOffsets,
      minSessionTimeoutMs: options.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: options.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs,
      log: this.log,
    });
  }

  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    this.replicaManager.startup(); // reopens the logs on disk, starts retention
    // Committed offsets live in a log like any other: replaying it is how they survive a restart.
    if (this.replicaManager.hasTopic(OFFSETS_TOPIC)) this.log(`Loaded ${this.consumerOffsets.load()} offset commit(s) from ${OFFSETS_TOPIC}`);
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

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    // Answers this connection's requests one at a time, in the order they came (request-queue.ts).
    const requests = new RequestQueue(socket, async (frame, clientGone) => encodeMessage(await this.answer(frame, clientGone)), {
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

  /** The response to one frame: the handler's answer, or an error the client can read. */
  private async answer(frame: Buffer, clientGone?: AbortSignal): Promise<Reply> {
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open.
      return this.refused(error);
    }
    try {
      return { correlationId: request.correlationId, ...(await this.handle(request, clientGone)) };
    } catch (error) {
      // A handler refuses a request by throwing a KafkaError: that is the answer.
      if (error instanceof KafkaError) return errorResponse(request.correlationId, error.code, error.reason);
      // Anything else is a bug, which must not take the broker down: UNKNOWN_SERVER_ERROR, details in the log.
      const { message, stack } = error as Error;
      this.log(`Failed to handle a ${request.type} request: ${stack ?? message}`);
      return errorResponse(request.correlationId, 'UNKNOWN_SERVER_ERROR', message);
    }
  }

  /** INVALID_REQUEST, and the same in the log: a client that cannot read the answer (kcat, say) never shows why. */
  private refused(error: InvalidRequestError): Reply {
    this.log(`Answered INVALID_REQUEST: ${error.message}`);
    return errorResponse(error.correlationId, 'INVALID_REQUEST', error.message);
  }

  /** Each request type's handler; later steps add theirs. The types hold each to its own request and response. */
  private readonly handlers: { [K in RequestType]: (request: RequestOf<K>, clientGone?: AbortSignal) => ResponseOf<K> | Promise<ResponseOf<K>> } = {
    produce: (request) => this.handleProduce(request),
    metadata: (request) => this.handleMetadata(request),
    createTopics: (request) => this.handleCreateTopics(request),
    listOffsets: (request) => this.handleListOffsets(request),
    fetch: (request, clientGone) => this.replicaManager.fetch(request, clientGone),
    findCoordinator: () => this.handleFindCoordinator(),
    joinGroup: (request) => this.coordinator.join(request),
    syncGroup: (request) => this.coordinator.sync(request),
    heartbeat: (request) => this.coordinator.heartbeat(request),
    leaveGroup: (request) => this.coordinator.leave(request),
    offsetCommit: (request) => this.coordinator.commitOffsets(request),
    offsetFetch: (request) => this.coordinator.fetchOffsets(request),
    listGroups: () => ({ groups: this.coordinator.list() }),
    describeGroups: (request) => ({ groups: request.groupIds.map((groupId) => this.coordinator.describeForClient(groupId)) }),
  };

  /** Routes a request to its handler by type. */
  private handle(request: Request, clientGone?: AbortSignal): ResponseOf<RequestType> | Promise<ResponseOf<RequestType>> {
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    const handler = this.handlers[request.type] as (request: Request, clientGone?: AbortSignal) => ResponseOf<RequestType> | Promise<ResponseOf<RequestType>>;
    return handler(request, clientGone);
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    return this.replicaManager.deleteOldSegments();
  }

  /** Creates the topics asked for; each gets its own result, as in Kafka's CreateTopics. */
  private handleCreateTopics(request: CreateTopicsRequest): CreateTopicsResponse {
    const topics = request.topics.map(({ name, partitions }) => {
      if (name === OFFSETS_TOPIC) return { name, error: { code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal: the broker creates it when a group first needs it` } };
      if (this.replicaManager.hasTopic(name)) return { name, error: { code: 'TOPIC_ALREADY_EXISTS', message: `topic "${name}" already exists` } };
      // Kafka sets no limit per topic, but it refuses what it cannot do. Here every partition is a
      // folder with two files held open for as long as the broker runs: a million of them would
      // take every file handle the process may have, freeze the broker while it tried, and leave a
      // half-made topic to reload at every restart. So the count is checked before anything is created.
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > this.maxPartitionsPerTopic) {
        return { name, error: { code: 'INVALID_PARTITIONS', message: `a topic needs a whole number of partitions from 1 to ${this.maxPartitionsPerTopic} (maxPartitionsPerTopic), not ${partitions}` } };
      }
      try {
        this.replicaManager.createTopic(name, partitions);
        return { name };
      } catch (error) {
        return { name, error: errorBody(error) };
      }
    });
    return { topics };
  }

  /** A topic's metadata, or the error that keeps it from existing (a bad name, say). */
  private describeTopic(name: string): TopicMetadata {
    try {
      return {
        name,
        partitions: this.replicaManager.partitionsOf(name).map((_, partition) => ({
          partition,
          // One broker: it leads every partition and is its only replica (step 07 adds more).
          leader: this.id,
          replicas: [this.id],
          isr: [this.id],
        })),
      };
    } catch (error) {
      return { name, error: errorBody(error), partitions: [] };
    }
  }

  /** The brokers, and each asked-for topic's partitions with their leader. */
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    const names = request.topics ?? this.replicaManager.topicNames();
    const topics = names.map((name) => this.describeTopic(name));
    const { host, port } = this.boundAddress();
    // Alone in its cluster, the broker is also its controller (step 08 elects one among many).
    return { brokers: [{ id: this.id, host, port }], controllerId: this.id, topics };
  }

  /** Appends each batch to its partition; one result per batch, and one bad batch spoils no other. */
  private handleProduce(request: ProduceRequest): ProduceResponse {
    const results = request.batches.map(({ topic, partition, records }): ProduceResult => {
      if (topic === OFFSETS_TOPIC) {
        // Only the coordinator writes commits there; a stray record could corrupt every group's offsets.
        return { topic, partition, baseOffset: -1, error: { code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal and only the group coordinator writes to it; commit offsets with consumer.commit()` } };
      }
      try {
        return { topic, partition, baseOffset: this.replicaManager.append(topic, partition, records) };
      } catch (error) {
        return { topic, partition, baseOffset: -1, error: errorBody(error) };
      }
    });
    return { results };
  }

  /** Where each partition starts (earliest, -2), ends (latest, -1) or a time begins: Kafka's ListOffsets. */
  private handleListOffsets(request: ListOffsetsRequest): ListOffsetsResponse {
    const partitions = request.partitions.map(({ topic, partition, timestamp }) => {
      try {
        return { topic, partition, ...this.replicaManager.listOffset(topic, partition, timestamp) };
      } catch (error) {
        return { topic, partition, offset: -1, timestamp: -1, error: errorBody(error) };
      }
    });
    return { partitions };
  }

  /** How many fetches are parked now, waiting for records (for tests and demos). */
  parkedFetches(): number {
    return this.replicaManager.parkedFetches();
  }

  /**
   * Every group request goes to the group's coordinator. Alone in its cluster, this broker
   * coordinates every group; in a cluster it is the leader of the group's partition of
   * __consumer_offsets (step 08).
   */
  private handleFindCoordinator(): FindCoordinatorResponse {
    return { nodeId: this.id, ...this.boundAddress() };
  }

  /** A group's state and members as the coordinator sees them (for tests, demos and kcat). */
  describeGroup(groupId: string): GroupDescription {
    return this.coordinator.describe(groupId);
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    return this.replicaManager.records(topic, partition, offset);
  }

  /** The address clients reach this broker at, as bound (the real port when started on 0). */
  private boundAddress(): BrokerAddress {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? { host: bound.address, port: bound.port } : { host: this.host, port: this.port };
  }

  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    // server.close() only stops new connections; it waits for live ones to end on their own.
    this.coordinator.shutdown(); // group timers stop; groups are rebuilt when members rejoin
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    this.replicaManager.shutdown(); // retention stops, every log is closed
    this.log(`Broker ${this.id} stopped`);
  }
}
