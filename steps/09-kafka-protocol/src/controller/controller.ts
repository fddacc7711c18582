// The controller: the one process that decides the cluster's layout. Kafka's QuorumController,
// without the quorum (one controller here; KRaft runs three or five, agreeing through Raft).
//
// It keeps every decision as a record in its metadata log (`__cluster_metadata`, a Log like any
// partition's, step 04), and the cluster's state is the replay of that log (metadata-image.ts):
// a restarted controller reads its log and knows everything it knew. Brokers copy the log by
// fetching it (fetchMetadata) and replay it too, so every broker learns each decision.
//
// What it decides:
// - who is alive: brokers register, then heartbeat; one silent for `brokerSessionTimeoutMs` is
//   FENCED: it leaves every ISR and each partition it led gets a new leader from its ISR;
// - where replicas go when a topic is created (over the live brokers);
// - the ISR, on a leader's request (alterPartition), refusing one from a replaced leader;
// - leadership going back to each partition's preferred replica once it is in sync again.
//
// While the controller is down, leaders keep serving and followers keep copying, but nothing
// can change: a dead leader's partitions stay without a leader until the controller is back.
import { FetchPurgatory } from '../network/delayed-fetch.ts';
import { KafkaError } from '../common/errors.ts';
import { Log } from '../storage/log.ts';
import { MetadataImage, type MetadataRecord, type PartitionState } from '../metadata/metadata-image.ts';
import { preferredLeaderChange, whenBrokerFenced, whenBrokerUnfenced, withIsr } from './partition-change.ts';
import type { AlterPartitionRequest, AlterPartitionResponse, BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerRegistrationRequest, BrokerRegistrationResponse, CreateTopicsRequest, CreateTopicsResponse, FetchRequest, FetchResponse, MetadataResponse, Request, RequestType, ResponseOf } from '../protocol/index.ts';
import { assignReplicas } from '../metadata/replica-assignment.ts';
import { SocketServer } from '../network/socket-server.ts';
import { validateTopicName } from '../common/topic-name.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';

/** The metadata log's name, as in KRaft. */
export const METADATA_TOPIC = '__cluster_metadata';

/** The requests a controller answers, which its ApiVersions advertises: brokers' registrations, heartbeats, metadata fetches and ISR changes, and the topic creations brokers forward. */
const CONTROLLER_APIS: RequestType[] = ['brokerRegistration', 'brokerHeartbeat', 'fetch', 'createTopics', 'alterPartition', 'metadata'];

export interface ControllerOptions {
  /** The controller's node id (KRaft's `node.id`); brokers use other ids. */
  id?: number;
  host?: string;
  /** 0 asks the operating system for any free port. */
  port?: number;
  /** Where the metadata log lives. */
  dataDir: string;
  log?: (line: string) => void;
  /** A broker silent for this long is fenced; KRaft's `broker.session.timeout.ms` (9 s). */
  brokerSessionTimeoutMs?: number;
  /** How often leadership goes back to preferred replicas; Kafka's `leader.imbalance.check.interval.seconds` (300 s). */
  leaderImbalanceCheckIntervalMs?: number;
  /** Copies of each partition of a topic created on first use; Kafka's `default.replication.factor` (1). */
  defaultReplicationFactor?: number;
  /** Partitions of a topic created on first use; Kafka's `num.partitions` (1). */
  numPartitions?: number;
  maxPartitionsPerTopic?: number;
  /**
   * Copies of each __consumer_offsets partition, unless the broker that asks for the topic names
   * its own; Kafka's `offsets.topic.replication.factor` (3). The topic waits until that many
   * brokers are alive (KIP-115).
   */
  offsetsTopicReplicationFactor?: number;
  /** Partitions of __consumer_offsets; Kafka's `offsets.topic.num.partitions` (50). */
  offsetsTopicNumPartitions?: number;
}

export class Controller {
  readonly id: number;
  private readonly image = new MetadataImage();
  private readonly metadataLog: Log;
  private readonly server: SocketServer;
  /** Brokers' metadata fetches waiting for a new record (long polling). */
  private readonly waiting = new FetchPurgatory();
  /** When each broker was last heard from. */
  private readonly lastContact = new Map<number, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly say: (line: string) => void;
  private readonly sessionTimeoutMs: number;
  private readonly options: ControllerOptions;
  /** Why __consumer_offsets was last refused, so that the consumers' retries do not print it again. */
  private offsetsTopicRefused = '';

  constructor(options: ControllerOptions) {
    this.options = options;
    this.id = options.id ?? 0;
    this.say = options.log ?? (() => {});
    this.sessionTimeoutMs = options.brokerSessionTimeoutMs ?? 9_000;
    this.metadataLog = Log.open(options.dataDir, METADATA_TOPIC, 0);
    this.server = new SocketServer(
      { host: options.host ?? '127.0.0.1', port: options.port ?? 9093, name: `Controller ${this.id}`, log: this.say, queuedMaxRequests: 500, connectionsMaxIdleMs: 600_000, apis: CONTROLLER_APIS },
      (request, clientGone) => this.handle(request, clientGone),
    );
  }

  /** Replays the metadata log, then listens; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    let replayed = 0;
    for (const { value } of this.metadataLog.readRecords()) {
      this.image.apply(JSON.parse(value!.toString('utf8')) as MetadataRecord);
      replayed++;
    }
    if (replayed > 0) this.say(`Replayed ${replayed} metadata record(s): ${this.image.brokers.size} broker(s), ${this.image.topics.size} topic(s)`);
    // Brokers known from before get a whole session to show up again before they are fenced.
    for (const id of this.image.brokers.keys()) this.lastContact.set(id, Date.now());
    const address = await this.server.start();
    const every = (ms: number, task: () => void) => {
      const timer = setInterval(task, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(Math.max(10, this.sessionTimeoutMs / 4), () => this.fenceSilentBrokers());
    every(this.options.leaderImbalanceCheckIntervalMs ?? 300_000, () => this.electPreferredLeaders());
    return address;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.waiting.releaseAll();
    await this.server.stop();
    this.metadataLog.close();
    this.say(`Controller ${this.id} stopped`);
  }

  /** The cluster as the controller sees it (for tests and demos). */
  get metadata(): MetadataImage {
    return this.image;
  }

  private handle(request: Request, clientGone: AbortSignal): ResponseOf<RequestType> | Promise<ResponseOf<RequestType>> {
    switch (request.type) {
      case 'brokerRegistration':
        return this.register(request);
      case 'brokerHeartbeat':
        return this.heartbeat(request);
      case 'fetch':
        return this.fetchMetadata(request, clientGone);
      case 'createTopics':
        return this.createTopics(request);
      case 'alterPartition':
        return this.alterPartition(request);
      case 'metadata':
        return this.describe();
      default:
        throw new KafkaError('INVALID_REQUEST', `the controller does not answer ${request.type} requests: send them to a broker`);
    }
  }

  /** Appends records to the metadata log as one batch, applies them, and wakes the brokers' fetches. */
  private append(records: MetadataRecord[]): void {
    if (records.length === 0) return;
    const now = Date.now();
    this.metadataLog.append(records.map((record) => ({ key: null, value: Buffer.from(JSON.stringify(record)), timestamp: now, headers: [] })));
    for (const record of records) this.image.apply(record);
    this.waiting.appended(METADATA_TOPIC, 0);
  }

  /** Records for the partitions that change, as `change` says for each. */
  private changes(change: (state: PartitionState) => PartitionState | null): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const topic of this.image.topics.values()) {
      for (const state of topic.partitions) {
        const next = change(state);
        if (next) records.push({ type: 'partition', topic: topic.name, ...next });
      }
    }
    return records;
  }

  private readonly isLive = (id: number) => this.image.isLive(id);

  private register({ brokerId, host, port }: BrokerRegistrationRequest): BrokerRegistrationResponse {
    // The epoch is the record's offset: it only grows, and names this registration.
    const epoch = this.metadataLog.logEndOffset;
    this.append([{ type: 'registerBroker', id: brokerId, host, port, epoch }]);
    this.lastContact.set(brokerId, Date.now());
    this.say(`Broker ${brokerId} registered at ${host}:${port} (broker epoch ${epoch})`);
    // Partitions left without a leader may have one again.
    this.append(this.changes((state) => whenBrokerUnfenced(state, this.isLive)));
    return { brokerEpoch: epoch };
  }

  private heartbeat({ brokerId, brokerEpoch }: BrokerHeartbeatRequest): BrokerHeartbeatResponse {
    const broker = this.image.brokers.get(brokerId);
    // A heartbeat from a life the controller no longer knows: the broker must register again.
    if (!broker || broker.epoch !== brokerEpoch) return { isFenced: true };
    this.lastContact.set(brokerId, Date.now());
    if (broker.fenced) {
      this.append([{ type: 'unfenceBroker', id: brokerId }]);
      this.say(`Broker ${brokerId} is back: unfenced`);
      this.append(this.changes((state) => whenBrokerUnfenced(state, this.isLive)));
    }
    return { isFenced: false };
  }

  /** Fences every live broker silent for longer than the session timeout (on a timer). */
  fenceSilentBrokers(): void {
    const now = Date.now();
    for (const broker of this.image.liveBrokers()) {
      const silentFor = now - (this.lastContact.get(broker.id) ?? 0);
      if (silentFor <= this.sessionTimeoutMs) continue;
      this.say(`Broker ${broker.id} silent for ${silentFor} ms (session ${this.sessionTimeoutMs} ms): fenced`);
      this.append([{ type: 'fenceBroker', id: broker.id }]);
      const records = this.changes((state) => whenBrokerFenced(state, broker.id, this.isLive));
      for (const record of records) if (record.type === 'partition') this.say(`  ${record.topic}-${record.partition}: leader ${record.leader}, epoch ${record.leaderEpoch}, ISR ${record.isr.join(',') || '(none)'}`);
      this.append(records);
    }
  }

  /** Gives leadership back to each partition's preferred replica where it is alive and in sync (on a timer). */
  electPreferredLeaders(): void {
    const records = this.changes((state) => preferredLeaderChange(state, this.isLive));
    for (const record of records) if (record.type === 'partition') this.say(`Preferred leader ${record.leader} leads ${record.topic}-${record.partition} again (epoch ${record.leaderEpoch})`);
    this.append(records);
  }

  /**
   * A broker's Fetch of the metadata log, from the offset it has reached, as KRaft brokers fetch
   * `__cluster_metadata`: the stored batches, as bytes. Waits up to maxWaitMs for a record when
   * there is none yet.
   */
  private async fetchMetadata({ partitions, maxWaitMs, maxBytes }: FetchRequest, clientGone: AbortSignal): Promise<FetchResponse> {
    const wanted = partitions[0];
    if (partitions.length !== 1 || wanted?.topic !== METADATA_TOPIC || wanted.partition !== 0) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `the controller serves fetches of ${METADATA_TOPIC}-0 only; fetch other topics from the brokers`);
    }
    const { offset } = wanted;
    const end = this.metadataLog.logEndOffset;
    if (offset > end) throw new KafkaError('OFFSET_OUT_OF_RANGE', `the metadata log ends at ${end}; offset ${offset} is past it (a controller that lost its log?)`);
    if (offset === end) await this.waiting.wait([{ topic: METADATA_TOPIC, partition: 0 }], maxWaitMs, clientGone);
    const records = this.metadataLog.readBytes(offset, maxBytes);
    return { partitions: [{ topic: METADATA_TOPIC, partition: 0, highWatermark: this.metadataLog.logEndOffset, logStartOffset: this.metadataLog.logStartOffset, records }] };
  }

  private createTopics(request: CreateTopicsRequest): CreateTopicsResponse {
    const validateOnly = request.validateOnly ?? false;
    const topics = request.topics.map(({ name, partitions, replicationFactor, configs = {} }) => {
      try {
        if (name === OFFSETS_TOPIC) {
          const copies = replicationFactor ?? this.options.offsetsTopicReplicationFactor ?? 3;
          this.checkOffsetsTopicBrokers(copies);
          this.createTopic(name, partitions, copies, configs, validateOnly);
        } else {
          // -1 partitions asks for the cluster's default, Kafka's num.partitions (KIP-464; KafkaJS sends it).
          this.createTopic(name, partitions === -1 ? (this.options.numPartitions ?? 1) : partitions, replicationFactor ?? this.options.defaultReplicationFactor ?? 1, configs, validateOnly);
        }
        return { name };
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error;
        return { name, error: { code: error.code, message: error.reason } };
      }
    });
    return { topics };
  }

  /**
   * __consumer_offsets gets all its copies or waits (Kafka's KIP-115). Capping the factor at the
   * brokers alive now would leave a cluster's commits on one broker for good whenever the first
   * group starts while the others are still booting. The consumers' FindCoordinator gets
   * COORDINATOR_NOT_AVAILABLE meanwhile, and retries.
   */
  private checkOffsetsTopicBrokers(copies: number): void {
    const live = this.image.liveBrokers().length;
    if (live >= copies) return;
    const why = `${OFFSETS_TOPIC} needs ${copies} live brokers (offsets.topic.replication.factor) and ${live} ${live === 1 ? 'is' : 'are'} alive; consumer groups wait until enough brokers are up (or give --offsets-topic-replication-factor ${Math.max(1, live)})`;
    if (why !== this.offsetsTopicRefused) this.say(`Not creating ${why}`);
    this.offsetsTopicRefused = why;
    throw new KafkaError('INVALID_REPLICATION_FACTOR', why);
  }

  /** Places a new topic's replicas over the live brokers and records it (or, validating only, stops before recording). */
  private createTopic(name: string, partitions: number, replicationFactor: number, configs: Record<string, string>, validateOnly = false): void {
    validateTopicName(name);
    if (this.image.topic(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `topic "${name}" already exists`);
    const max = this.options.maxPartitionsPerTopic ?? 1000;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > max) {
      throw new KafkaError('INVALID_PARTITIONS', `a topic needs a whole number of partitions from 1 to ${max} (maxPartitionsPerTopic), not ${partitions}`);
    }
    const live = this.image.liveBrokers().map((broker) => broker.id);
    const assignment = assignReplicas(live, partitions, replicationFactor);
    if (validateOnly) return;
    this.append([
      { type: 'topic', name, configs },
      ...assignment.map((replicas, partition): MetadataRecord => ({ type: 'partition', topic: name, partition, replicas, leader: replicas[0]!, leaderEpoch: 0, isr: replicas, partitionEpoch: 0 })),
    ]);
    this.say(`Created topic "${name}": replicas ${assignment.map((ids) => ids.join(',')).join(' | ')}`);
  }

  /** A leader's ISR change, accepted only from the current leader, about the current version of the partition. */
  private alterPartition({ brokerId, topic, partition, leaderEpoch, partitionEpoch, newIsr }: AlterPartitionRequest): AlterPartitionResponse {
    const state = this.image.partition(topic, partition);
    if (!state) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `there is no partition ${topic}-${partition}`);
    this.checkLeaderAndVersion(`${topic}-${partition}`, state, brokerId, leaderEpoch, partitionEpoch);
    if (!newIsr.includes(brokerId)) throw new KafkaError('INVALID_REQUEST', `the leader must stay in its own ISR`);
    const fenced = newIsr.filter((id) => !state.replicas.includes(id) || !this.isLive(id));
    if (fenced.length > 0) throw new KafkaError('INELIGIBLE_REPLICA', `broker(s) ${fenced.join(', ')} may not join the ISR of ${topic}-${partition}: not a replica, or fenced`);
    const next = withIsr(state, newIsr);
    this.append([{ type: 'partition', topic, ...next }]);
    return { leader: next.leader, leaderEpoch: next.leaderEpoch, partitionEpoch: next.partitionEpoch, isr: next.isr };
  }

  /**
   * An AlterPartition is accepted only from the partition's current leader, in its current epoch,
   * about the current version of the partition: anything else comes from a leader that has been
   * replaced (a zombie) or that missed a change, and applying it could undo a newer decision.
   */
  private checkLeaderAndVersion(name: string, state: PartitionState, brokerId: number, leaderEpoch: number, partitionEpoch: number): void {
    if (state.leader !== brokerId || leaderEpoch !== state.leaderEpoch) {
      throw new KafkaError('FENCED_LEADER_EPOCH', `broker ${brokerId} asked to change ${name} as leader in epoch ${leaderEpoch}, but broker ${state.leader} leads it in epoch ${state.leaderEpoch}`);
    }
    if (partitionEpoch !== state.partitionEpoch) {
      throw new KafkaError('INVALID_UPDATE_VERSION', `${name} is at version ${state.partitionEpoch}, not ${partitionEpoch}: the leader missed a change`);
    }
  }

  /** Brokers and topics as the controller sees them. */
  private describe(): MetadataResponse {
    return {
      brokers: this.image.liveBrokers().map(({ id, host, port }) => ({ id, host, port })),
      controllerId: this.id,
      topics: [...this.image.topics.values()].map(({ name, configs, partitions }) => ({ name, configs, partitions: partitions.map(({ partition, leader, replicas, isr, leaderEpoch }) => ({ partition, leader, replicas, isr, leaderEpoch })) })),
    };
  }
}
