// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server, step 02 made it speak in framed requests, step 03 gave it
// topics split into partitions. Step 04 puts every partition on disk: a Log per partition under
// `dataDir/<topic>-<partition>/`, reopened (and recovered) when the broker starts again, trimmed
// by retention, and topics an admin can create with a chosen number of partitions. Step 05 lets
// consumers read: `listOffsets` says where a partition starts and ends, and `fetch` reads records
// from an offset, waiting (long polling) when there is nothing new yet. Step 06 makes the broker
// a group coordinator: consumers join groups through it (group-coordinator.ts), and their
// committed offsets go into the internal topic __consumer_offsets (consumer-offsets.ts). Step 07
// makes brokers a cluster: each partition has copies on several brokers, one leading and the
// others copying it (replica-manager.ts, partition.ts, replica-fetcher.ts), and a producer may
// wait until every in-sync copy has its records (acks=all).
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConsumerOffsets, DEFAULT_OFFSETS_TOPIC_PARTITIONS } from './consumer-offsets.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { KafkaError } from '../common/errors.ts';
import { GroupCoordinator, type GroupDescription } from './group-coordinator.ts';
import { FrameDecoder } from '../network/frame.ts';
import type { LogOptions } from '../storage/log-config.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from '../protocol/index.ts';
//> step 07 given
import { PeerChannel } from './peer-channel.ts';
import type { BrokerInfo } from './replica-manager.ts';
import type { Partition } from './partition.ts';
//<
import type { Reply, Request } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { KafkaApis } from './kafka-apis.ts';
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
  //> step 07 given
  /** Every broker of the cluster, this one included, e.g. from `--cluster 1@127.0.0.1:9092,2@…`; alone when absent. */
  cluster?: BrokerInfo[];
  /** Copies of each partition of a topic created on first use; Kafka's `default.replication.factor` (1). */
  defaultReplicationFactor?: number;
  /** The fewest in-sync replicas an acks=all write accepts, unless the topic sets its own; Kafka's `min.insync.replicas` (1). */
  minInsyncReplicas?: number;
  /** A follower not caught up for this long leaves the ISR; Kafka's `replica.lag.time.max.ms` (30 s). */
  replicaLagTimeMaxMs?: number;
  /** How long a leader may hold a follower's fetch with nothing new; Kafka's `replica.fetch.wait.max.ms` (500 ms). */
  replicaFetchWaitMaxMs?: number;
  /** The pause before a follower tries a leader again after it failed; Kafka's `replica.fetch.backoff.ms` (1 s). */
  replicaFetchBackoffMs?: number;
  /** How often high watermarks are written to disk; Kafka's `replica.high.watermark.checkpoint.interval.ms` (5 s). */
  highWatermarkCheckpointIntervalMs?: number;
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
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  private readonly replicaManager: ReplicaManager;
  private readonly maxPartitionsPerTopic: number;
  /** Committed offsets, in the internal topic __consumer_offsets. */
  private readonly consumerOffsets: ConsumerOffsets;
  /** Runs the consumer groups: joins, rebalances, heartbeats, commits. */
  private readonly coordinator: GroupCoordinator;
  //> step 07 rewrites: the requests are counted where they are handled, in kafka-apis.ts
  /** The request handlers, one per API (kafka-apis.ts). */
  private readonly apis: KafkaApis;
  //<
  /** The largest frame a client may send; Kafka's `socket.request.max.bytes`. */
  private readonly maxFrameBytes: number | undefined;
  /** Frames one connection may have waiting for their turn; Kafka's `queued.max.requests`. */
  private readonly queuedMaxRequests: number;
  /** How long a connection may sit idle before the broker closes it; Kafka's `connections.max.idle.ms`. */
  private readonly connectionsMaxIdleMs: number;
  //> step 07 given
  /** The cluster as configured; null for a broker on its own. */
  private readonly cluster: BrokerInfo[] | null;
  /** Connections to the other brokers, for the LeaderAndIsr requests this broker sends. */
  private readonly peers: PeerChannel;

  constructor(options: BrokerOptions = {}) {
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
    this.maxFrameBytes = options.maxFrameBytes;
    this.queuedMaxRequests = options.queuedMaxRequests ?? 500;
    this.connectionsMaxIdleMs = options.connectionsMaxIdleMs ?? 600_000;
    this.cluster = options.cluster ?? null;
    if (this.cluster && !this.cluster.some((broker) => broker.id === this.id)) {
      throw new Error(`broker ${this.id} is not in its own cluster list (${this.cluster.map((broker) => `${broker.id}@${broker.host}:${broker.port}`).join(', ')}); add it, or start the broker with one of those ids`);
    }
    this.peers = new PeerChannel(this.id, () => this.brokers(), this.log);
    //<
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
      //> step 07 given
      localId: this.id,
      brokers: () => this.brokers(),
      coordinatorId: () => this.coordinatorId(),
      defaultReplicationFactor: options.defaultReplicationFactor ?? 1,
      minInsyncReplicas: options.minInsyncReplicas ?? 1,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? 30_000,
      replicaFetchWaitMaxMs: options.replicaFetchWaitMaxMs ?? 500,
      replicaFetchBackoffMs: options.replicaFetchBackoffMs ?? 1000,
      highWatermarkCheckpointIntervalMs: options.highWatermarkCheckpointIntervalMs ?? 5000,
      announce: (layout) => this.peers.announce(layout),
      //<
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
    //> step 07 given
    this.apis = new KafkaApis({
      id: this.id,
      replicaManager: this.replicaManager,
      coordinator: this.coordinator,
      brokers: () => this.brokers(),
      coordinatorId: () => this.coordinatorId(),
      maxPartitionsPerTopic: this.maxPartitionsPerTopic,
    });
    //<
  }

  // #region start
  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    this.replicaManager.startup(); // reopens the logs on disk, starts retention
    //> step 07 given
    // Topics created while this broker was down: another broker knows their layout.
    for (const layout of (await this.peers.fetchLayout()) ?? []) {
      if (!this.replicaManager.hasTopic(layout.name)) this.replicaManager.applyLayout(layout);
    }
    //<
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
  // #endregion start

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    // Answers this connection's requests one at a time, in the order they came (request-queue.ts).
    //> step 07 rewrites: a request may get no answer at all (a produce with acks=0)
    const requests = new RequestQueue(socket, async (frame, clientGone) => {
      const reply = await this.answer(frame, clientGone);
      return reply && encodeMessage(reply);
    }, {
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

  /** The response to one frame: the handler's answer, or an error the client can read. */
  //> step 07 rewrites: a produce with acks=0 gets no answer (null)
  private async answer(frame: Buffer, clientGone?: AbortSignal): Promise<Reply | null> {
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open.
      return this.refused(error);
    }
    try {
      // acks=0: the producer asked for no answer, and waits for none.
      if (request.type === 'produce' && request.acks === 0) {
        await this.apis.handle(request, clientGone);
        return null;
      }
      return { correlationId: request.correlationId, ...(await this.apis.handle(request, clientGone)) };
      //<
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

  //> step 07 rewrites: the request handlers move to kafka-apis.ts (Kafka's KafkaApis), one per API
  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.apis.requestCount(type);
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    return this.replicaManager.deleteOldSegments();
  }

  /** How many fetches are parked now, waiting for records (for tests and demos). */
  parkedFetches(): number {
    return this.replicaManager.parkedFetches();
  }

  /** A group's state and members as the coordinator sees them (for tests, demos and kcat). */
  describeGroup(groupId: string): GroupDescription {
    return this.coordinator.describe(groupId);
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    return this.replicaManager.records(topic, partition, offset);
  }

  /** Every broker of the cluster: the configured list, or this broker alone at its bound address. */
  brokers(): BrokerInfo[] {
    return this.cluster ?? [{ id: this.id, ...this.boundAddress() }];
  }

  /**
   * The broker that coordinates every group and holds __consumer_offsets: the lowest id, the same
   * answer from every broker. Kafka spreads groups over the leaders of the offsets topic's
   * partitions, which needs leaders that move when a broker dies: step 08.
   */
  private coordinatorId(): number {
    return Math.min(...this.brokers().map((broker) => broker.id));
  }

  /** A partition this broker holds, with its log end offset, high watermark and ISR (for tests and demos). */
  partition(topic: string, partition: number): Partition | undefined {
    return this.replicaManager.partition(topic, partition);
  }
  //<

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
    this.coordinator.shutdown(); // group timers stop; groups are rebuilt when members rejoin
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    //> step 07 rewrites: stopping waits for the fetchers to stop and the high watermarks to be written
    await this.replicaManager.shutdown(); // fetchers and timers stop, high watermarks are written, every log is closed
    await this.peers.close();
    //<
    this.log(`Broker ${this.id} stopped`);
  }
  // #endregion stop
}
