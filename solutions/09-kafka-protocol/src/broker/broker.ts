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
// Step 08 hands the cluster's decisions to a controller: the broker registers and heartbeats
// (broker-lifecycle.ts), copies the controller's metadata log and acts on it (metadata-loader.ts),
// forwards topic creation to it, and coordinates the groups whose offsets partition it leads.
//> step 09 given
// Step 09 speaks Apache Kafka's binary protocol (network/socket-server.ts and protocol/), so that
// kcat, kafka-python and KafkaJS talk to it unchanged.
//<
import os from 'node:os';
import path from 'node:path';
import { Connection, parseHostPort } from '../network/connection.ts';
import { ConsumerOffsets, DEFAULT_OFFSETS_TOPIC_PARTITIONS, partitionFor } from './consumer-offsets.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { Controller } from '../controller/controller.ts';
import { BrokerLifecycle } from './broker-lifecycle.ts';
import { KafkaError } from '../common/errors.ts';
import { GroupCoordinator, type GroupDescription } from './group-coordinator.ts';
import type { LogOptions } from '../storage/log-config.ts';
import { MetadataLoader } from './metadata-loader.ts';
import type { MetadataRecord } from '../metadata/metadata-image.ts';
import type { Partition } from './partition.ts';
import type { RequestType } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { ReplicaManager } from './replica-manager.ts';
import { KafkaApis } from './kafka-apis.ts';
import { SocketServer } from '../network/socket-server.ts';

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
  //> step 09 rewrites: message.max.bytes counts a record set as it came, as Kafka does
  /**
   * The largest record set accepted, as the producer sent it (compressed, if it is) and as the log
   * stores it, batch headers included: Kafka's `message.max.bytes` (1 MiB and 12 bytes).
   */
  //<
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
  /** The controller, as "host:port"; without one, the broker runs a controller of its own in the same process (KRaft's combined mode). */
  controller?: string;
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
  /** How often the broker tells the controller it is alive; KRaft's `broker.heartbeat.interval.ms` (2 s). */
  brokerHeartbeatIntervalMs?: number;
  /**
   * Copies of each __consumer_offsets partition; Kafka's `offsets.topic.replication.factor`. Unset,
   * the controller's (3) applies, or 1 for a broker that runs its own controller. The topic waits
   * until that many brokers are alive (KIP-115).
   */
  offsetsTopicReplicationFactor?: number;
  /** For the controller this broker runs when it has none: see ControllerOptions. */
  brokerSessionTimeoutMs?: number;
  leaderImbalanceCheckIntervalMs?: number;
}

export interface BrokerAddress {
  host: string;
  port: number;
}

//> step 09 given
/** The requests a broker answers: ApiVersions advertises them, with each module's versions (protocol/). */
const BROKER_APIS: RequestType[] = ['produce', 'fetch', 'listOffsets', 'metadata', 'offsetCommit', 'offsetFetch', 'findCoordinator', 'joinGroup', 'heartbeat', 'leaveGroup', 'syncGroup', 'createTopics', 'offsetsForLeaderEpoch', 'describeGroups', 'listGroups'];
/** Answered, not advertised: the workshop's own describeReplicas (the dashboard's), which no Kafka client knows. */
const UNADVERTISED_APIS: RequestType[] = ['describeReplicas'];
//<

export class Broker {
  readonly id: number;
  private readonly host: string;
  private readonly port: number;
  private readonly log: (line: string) => void;
  /** Listens, keeps the connections, answers each request with the handler of its type (socket-server.ts). */
  private readonly server: SocketServer;
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  private readonly replicaManager: ReplicaManager;
  /** Committed offsets, in the partitions of __consumer_offsets this broker leads. */
  private readonly consumerOffsets: ConsumerOffsets;
  /** Runs the consumer groups whose __consumer_offsets partition this broker leads. */
  private readonly coordinator: GroupCoordinator;
  private readonly options: BrokerOptions;
  /** The controller this broker runs itself when it was given none (combined mode). */
  private ownController: Controller | null = null;
  private controllerAddress: BrokerAddress | null = null;
  /** Requests this broker sends the controller: forwarded topic creations, its leaders' ISR changes. */
  private toController: Connection | null = null;
  private lifecycle: BrokerLifecycle | null = null;
  /** The request handlers, one per API (kafka-apis.ts). */
  private readonly apis: KafkaApis;
  private loader: MetadataLoader | null = null;

  constructor(options: BrokerOptions = {}) {
    this.options = options;
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
    this.server = new SocketServer(
      {
        host: this.host,
        port: this.port,
        name: `Broker ${this.id}`,
        log: this.log,
        maxFrameBytes: options.maxFrameBytes,
        queuedMaxRequests: options.queuedMaxRequests ?? 500,
        connectionsMaxIdleMs: options.connectionsMaxIdleMs ?? 600_000,
        //> step 09 given
        apis: BROKER_APIS,
        unadvertised: UNADVERTISED_APIS,
        //<
      },
      (request, clientGone) => this.apis.handle(request, clientGone),
    );
    this.replicaManager = new ReplicaManager({
      messageMaxBytes: options.messageMaxBytes ?? 1_048_588,
      log: this.log,
      // Kafka's default log.dirs is /tmp/kafka-logs; one folder per broker id, so two brokers never share one.
      dataDir: this.dataDir,
      logOptions: options.logOptions ?? {},
      retentionCheckIntervalMs: options.retentionCheckIntervalMs ?? 300_000,
      fetchMaxBytes: options.fetchMaxBytes ?? 57_671_680,
      localId: this.id,
      minInsyncReplicas: options.minInsyncReplicas ?? 1,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? 30_000,
      replicaFetchWaitMaxMs: options.replicaFetchWaitMaxMs ?? 500,
      replicaFetchBackoffMs: options.replicaFetchBackoffMs ?? 1000,
      highWatermarkCheckpointIntervalMs: options.highWatermarkCheckpointIntervalMs ?? 5000,
      alterPartition: async (change) => {
        const state = await this.controller().request({ type: 'alterPartition', brokerId: this.id, ...change });
        return { partition: change.partition, replicas: this.replicaManager.metadata.partition(change.topic, change.partition)?.replicas ?? [], ...state };
      },
    });
    this.consumerOffsets = new ConsumerOffsets(
      (partition) => this.replicaManager.leaderLog(OFFSETS_TOPIC, partition),
      () => this.offsetsPartitions(),
      (partition) => this.replicaManager.appended(OFFSETS_TOPIC, partition),
    );
    this.coordinator = new GroupCoordinator({
      offsets: this.consumerOffsets,
      minSessionTimeoutMs: options.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: options.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: options.groupInitialRebalanceDelayMs,
      log: this.log,
    });
    this.apis = new KafkaApis({
      id: this.id,
      replicaManager: this.replicaManager,
      coordinator: this.coordinator,
      controller: () => this.controller(),
      nextMetadataUpdate: async (waitMs) => this.loader?.nextUpdate(waitMs),
      offsetsPartitions: () => this.offsetsPartitions(),
      // One broker with its own controller is a cluster of one: it asks for one copy, as Kafka's
      // single-node quickstart sets it. Otherwise the controller's factor applies, unless given here.
      offsetsTopicReplicationFactor: () => options.offsetsTopicReplicationFactor ?? (this.ownController ? 1 : undefined),
      numPartitions: options.numPartitions ?? 1,
      defaultReplicationFactor: options.defaultReplicationFactor ?? 1,
    });
  }

  private get dataDir(): string {
    return this.options.dataDir ?? path.join(os.tmpdir(), `kafka-logs-${this.id}`);
  }

  /**
   * Starts the broker: its own controller first if it has none, then the listener (its port must
   * be known to register), then registration and the metadata log, which say which partitions
   * this broker leads or follows. Resolves with the bound address once the broker knows the
   * cluster as the controller does.
   */
  async start(): Promise<BrokerAddress> {
    const { options } = this;
    if (options.controller) {
      this.controllerAddress = parseHostPort(options.controller);
    } else {
      this.ownController = new Controller({
        id: 0,
        host: this.host,
        port: 0,
        dataDir: path.join(this.dataDir, 'controller'),
        log: (line) => this.log(`[controller] ${line}`),
        brokerSessionTimeoutMs: options.brokerSessionTimeoutMs,
        leaderImbalanceCheckIntervalMs: options.leaderImbalanceCheckIntervalMs,
        defaultReplicationFactor: options.defaultReplicationFactor,
        numPartitions: options.numPartitions,
        maxPartitionsPerTopic: options.maxPartitionsPerTopic,
        offsetsTopicReplicationFactor: options.offsetsTopicReplicationFactor,
        offsetsTopicNumPartitions: options.offsetsTopicNumPartitions,
      });
      this.controllerAddress = await this.ownController.start();
    }
    this.replicaManager.startup();
    const address = await this.server.start();
    this.lifecycle = new BrokerLifecycle({
      brokerId: this.id,
      address,
      controller: this.controllerAddress,
      heartbeatIntervalMs: options.brokerHeartbeatIntervalMs ?? 2000,
      log: this.log,
    });
    await this.lifecycle.start();
    this.loader = new MetadataLoader({ brokerId: this.id, controller: this.controllerAddress, maxWaitMs: 500, apply: (record) => this.applyMetadata(record), log: this.log });
    this.loader.start();
    // Serve once this broker sees itself in the metadata: its registration has come back round.
    const deadline = Date.now() + 10_000;
    while (!this.replicaManager.metadata.isLive(this.id) && Date.now() < deadline) await this.loader.nextUpdate(500);
    return address;
  }

  /** One record of the controller's log: the replica manager applies it; leading an offsets partition loads its groups' commits, losing it unloads its groups. */
  private applyMetadata(record: MetadataRecord): void {
    const { becameLeader, becameFollower } = this.replicaManager.applyRecord(record);
    if (becameLeader?.topic === OFFSETS_TOPIC) {
      this.log(`Loaded ${this.consumerOffsets.load(becameLeader.partition)} offset commit(s) from ${becameLeader.name}`);
    }
    // Its groups belong to the partition's new leader now: what their members parked here fails, and they look for it.
    if (becameFollower?.topic === OFFSETS_TOPIC) {
      const groups = this.coordinator.list().map(({ groupId }) => groupId).filter((groupId) => partitionFor(groupId, this.offsetsPartitions()) === becameFollower.partition);
      this.coordinator.unload(groups, new KafkaError('NOT_COORDINATOR', `broker ${this.id} no longer leads ${becameFollower.name}, so it no longer coordinates its groups; find the coordinator again`));
      this.consumerOffsets.unload(becameFollower.partition);
      this.log(`Unloaded ${groups.length} group(s) of ${becameFollower.name}: its new leader coordinates them`);
    }
  }

  /** The connection to the controller, for the requests this broker sends it. */
  private controller(): Connection {
    if (!this.controllerAddress) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'the broker has not started');
    this.toController ??= new Connection(this.controllerAddress.host, this.controllerAddress.port);
    return this.toController;
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.server.requestCount(type);
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    return this.replicaManager.deleteOldSegments();
  }

  /** How many fetches are parked now, waiting for records (for tests and demos). */
  parkedFetches(): number {
    return this.replicaManager.parkedFetches();
  }

  /** Partitions of __consumer_offsets: as created, or as this broker would create it. */
  private offsetsPartitions(): number {
    return this.replicaManager.layoutOf(OFFSETS_TOPIC)?.partitions.length ?? this.options.offsetsTopicNumPartitions ?? DEFAULT_OFFSETS_TOPIC_PARTITIONS;
  }

  /** A group's state and members as the coordinator sees them (for tests, demos and kcat). */
  describeGroup(groupId: string): GroupDescription {
    return this.coordinator.describe(groupId);
  }

  /** A partition this broker holds, with its log end offset, high watermark, ISR and epochs (for tests and demos). */
  partition(topic: string, partition: number): Partition | undefined {
    return this.replicaManager.partition(topic, partition);
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    return this.replicaManager.records(topic, partition, offset);
  }

  /** The controller this broker runs itself, when it was given none (for tests and demos). */
  get embeddedController(): Controller | null {
    return this.ownController;
  }

  /** Stops serving: the listener, the groups, the heartbeats and metadata, the fetchers and logs, and its own controller last. */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.coordinator.shutdown(); // group timers stop; groups are rebuilt when members rejoin
    await this.server.stop();
    await this.lifecycle?.stop();
    await this.loader?.stop();
    await this.toController?.close();
    await this.replicaManager.shutdown(); // fetchers and timers stop, high watermarks are written, every log is closed
    await this.ownController?.stop();
    this.log(`Broker ${this.id} stopped`);
  }
}
