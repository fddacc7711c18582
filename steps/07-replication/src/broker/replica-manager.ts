// The partitions this broker holds, and everything done to their records: Kafka's ReplicaManager
// (with its LogManager). The Broker receives requests and answers them; creating topics,
// appending, reading, and in later steps the logs on disk and their retention (step 04), the
// fetches waiting for records (step 05) and each replica's log end offset, high watermark and
// in-sync replicas (step 07) happen here.
//
// A partition this manager cannot serve is refused with a KafkaError; the broker turns it into
// that partition's error in its answer (errorBody in errors.ts), so one bad partition spoils no
// other.
import fs from 'node:fs';
import { FetchPurgatory } from '../network/delayed-fetch.ts';
import { DelayedProduce, type AppendedBatch } from './delayed-produce.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { KafkaError } from '../common/errors.ts';
import { HighWatermarkCheckpoint } from '../storage/high-watermark-checkpoint.ts';
import { Log } from '../storage/log.ts';
import type { TimestampOffset } from '../storage/time-index.ts';
import type { LogOptions } from '../storage/log-config.ts';
import { MetadataCache } from './metadata-cache.ts';
import { Partition } from './partition.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type FetchRequest, type FetchResponse, type PartitionLayout, type ProduceResult, type ReplicaState, type TopicLayout, type WireRecord } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { readFromLog } from './read-from-log.ts';
import { assignReplicas } from '../metadata/replica-assignment.ts';
import { ReplicaFetcherManager } from './replica-fetcher-manager.ts';
import { validateTopicName } from '../common/topic-name.ts';
import { fromWire, recordBytes } from './wire-record.ts';
import { minInsyncReplicasOf } from '../storage/log-config.ts';

/** A broker of the cluster, as every other broker knows it. */
export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
}

export interface ReplicaManagerOptions {
  /** Partitions of a topic created on first use; Kafka's `num.partitions`. */
  numPartitions: number;
  /** The largest batch accepted, in bytes of keys, values and headers (Kafka's `message.max.bytes` counts the batch as sent: see broker.ts). */
  messageMaxBytes: number;
  log: (line: string) => void;
  /** Where the logs live: one folder per partition, `dataDir/<topic>-<partition>/`; Kafka's `log.dirs`. */
  dataDir: string;
  /** Segment size, retention and flushing of every partition's log (see log.ts for Kafka's names). */
  logOptions: Omit<LogOptions, 'log'>;
  /** How often retention runs; Kafka's `log.retention.check.interval.ms` (5 minutes). */
  retentionCheckIntervalMs: number;
  /** The most record bytes one fetch answer carries, whatever the client asks; Kafka's broker-side `fetch.max.bytes` (55 MiB). */
  fetchMaxBytes: number;
  /** Partitions of __consumer_offsets, created the first time a group needs it; Kafka's `offsets.topic.num.partitions`. */
  offsetsTopicNumPartitions: number;
  /** This broker's id. */
  localId: number;
  /** Every broker of the cluster, this one included. The list is fixed until step 08's controller. */
  brokers: () => BrokerInfo[];
  /** The broker that coordinates every group and holds __consumer_offsets (one broker until step 08). */
  coordinatorId: () => number;
  /** Copies of each partition of a topic created on first use; Kafka's `default.replication.factor`. */
  defaultReplicationFactor: number;
  /** The fewest in-sync replicas an acks=all write accepts, unless a topic sets its own; Kafka's `min.insync.replicas`. */
  minInsyncReplicas: number;
  /** A follower not caught up for this long leaves the ISR; Kafka's `replica.lag.time.max.ms` (30 s). */
  replicaLagTimeMaxMs: number;
  /** How long a leader may hold a follower's fetch; Kafka's `replica.fetch.wait.max.ms` (500 ms). */
  replicaFetchWaitMaxMs: number;
  /** Kafka's `replica.fetch.backoff.ms` (1 s): the pause before fetching again from a leader that failed. */
  replicaFetchBackoffMs: number;
  /** How often the high watermarks are written down; Kafka's `replica.high.watermark.checkpoint.interval.ms` (5 s). */
  highWatermarkCheckpointIntervalMs: number;
  /** Tells every other broker about a topic's layout (a LeaderAndIsr request); resolves when each has answered or failed. */
  announce: (layout: TopicLayout) => Promise<void>;
}

export class ReplicaManager {
  /** The partitions this broker holds a replica of, leader or follower, by "topic-partition". */
  private readonly partitions = new Map<string, Partition>();
  /** Every topic's layout in the cluster: leaders, replicas, ISR (also of partitions held elsewhere). */
  private readonly metadata: MetadataCache;
  private readonly checkpoint: HighWatermarkCheckpoint;
  /** Copies the partitions this broker follows from their leaders, one fetcher per leader. */
  private readonly fetcherManager: ReplicaFetcherManager;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Fetches waiting for records (long polling), woken by appends to their partitions. */
  private readonly purgatory = new FetchPurgatory();
  /** acks=all produce requests waiting for the in-sync replicas, woken when a high watermark moves. */
  private readonly delayedProduce = new DelayedProduce((topic, partition) => this.partition(topic, partition));

  constructor(private readonly options: ReplicaManagerOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    this.metadata = new MetadataCache(options.dataDir);
    this.checkpoint = new HighWatermarkCheckpoint(options.dataDir);
    this.fetcherManager = new ReplicaFetcherManager(options);
  }

  /**
   * Reopens (and recovers) every partition on disk, starts copying the leaders this broker
   * follows, and starts the timers: retention, the ISR check, the high watermark checkpoint.
   */
  startup(): void {
    this.loadLogs();
    const every = (ms: number, task: () => void) => {
      const timer = setInterval(task, ms);
      timer.unref(); // a timer alone should never keep the process alive
      this.timers.push(timer);
    };
    every(this.options.retentionCheckIntervalMs, () => this.deleteOldSegments());
    // Kafka checks the ISR every half lag time, so a follower leaves it at most 1.5 lag times after it fell behind.
    every(Math.max(1, this.options.replicaLagTimeMaxMs / 2), () => this.shrinkIsrs());
    every(this.options.highWatermarkCheckpointIntervalMs, () => this.checkpointHighWatermarks());
  }

  /** Every topic in the cluster. */
  topicNames(): string[] {
    return this.metadata.topicNames();
  }

  hasTopic(topic: string): boolean {
    return this.metadata.topic(topic) !== undefined;
  }

  /** A topic's layout, the topic created with the broker's defaults the first time it is named. */
  layoutOf(topic: string): TopicLayout {
    const known = this.metadata.topic(topic);
    if (known) return known;
    // The internal topic is created the first time a group needs it, every partition on the
    // coordinator: the same layout whichever broker creates it.
    if (topic === OFFSETS_TOPIC) {
      const coordinator = this.options.coordinatorId();
      const replicas = Array.from({ length: this.options.offsetsTopicNumPartitions }, () => [coordinator]);
      return this.createTopic(topic, { partitions: replicas.length, replicas }).layout;
    }
    return this.createTopic(topic, { partitions: this.options.numPartitions }).layout;
  }

  /** The logs of a topic's partitions held here (the offsets store reads and writes its own). */
  partitionsOf(topic: string): Log[] {
    return this.layoutOf(topic).partitions.map(({ partition }) => this.localPartition(topic, partition).log);
  }

  /**
   * Creates a topic: places its replicas over the brokers (or takes the `replicas` given), opens
   * the logs of the partitions held here, and tells every other broker. A bad name or setting is
   * refused before anything is created. `announced` settles once the other brokers have answered.
   */
  createTopic(
    topic: string,
    { partitions, replicationFactor = this.options.defaultReplicationFactor, configs = {}, replicas }: { partitions: number; replicationFactor?: number; configs?: Record<string, string>; replicas?: number[][] },
  ): { layout: TopicLayout; announced: Promise<void> } {
    validateTopicName(topic);
    minInsyncReplicasOf(configs, this.options.minInsyncReplicas); // refuses a bad value before anything exists
    const assignment = replicas ?? assignReplicas(this.options.brokers().map((broker) => broker.id), partitions, replicationFactor);
    // A new partition's ISR is all its replicas: every one of them holds its empty log.
    const layout: TopicLayout = { name: topic, configs, partitions: assignment.map((ids, partition) => ({ partition, leader: ids[0]!, replicas: ids, isr: ids })) };
    this.applyLayout(layout);
    this.options.log(`Created topic "${topic}" with ${partitions} partition(s), replicas ${assignment.map((ids) => ids.join(',')).join(' | ')}`);
    const announced = this.options.announce(layout);
    return { layout, announced };
  }

  /**
   * Takes a topic's layout (its creation, or a leader's new ISR, told by LeaderAndIsr): remembers
   * it, and for each partition with a replica here opens its log, then leads it or follows it.
   */
  applyLayout(layout: TopicLayout): void {
    this.metadata.update(layout);
    const configs = this.metadata.topic(layout.name)!.configs;
    for (const entry of layout.partitions) {
      if (!entry.replicas.includes(this.options.localId)) continue;
      const key = `${layout.name}-${entry.partition}`;
      let partition = this.partitions.get(key);
      if (partition) {
        // A leader is the one who changes its ISR: an echo of an older layout must not undo it.
        if (partition.isLeader && entry.leader === this.options.localId) continue;
        partition.update(entry);
      } else {
        partition = this.openPartition(layout.name, entry, configs);
      }
      partition.minInsyncReplicas = minInsyncReplicasOf(configs, this.options.minInsyncReplicas);
      this.fetcherManager.follow(partition);
    }
  }

  private openPartition(topic: string, layout: PartitionLayout, configs: Record<string, string>): Partition {
    const partition = new Partition({
      topic,
      partition: layout.partition,
      log: this.openLog(topic, layout.partition),
      localId: this.options.localId,
      layout,
      highWatermark: this.savedHighWatermarks.get(`${topic}-${layout.partition}`) ?? 0,
      minInsyncReplicas: minInsyncReplicasOf(configs, this.options.minInsyncReplicas),
      onIsrChange: (changed) => this.isrChanged(changed),
      say: this.options.log,
    });
    this.partitions.set(partition.name, partition);
    return partition;
  }

  /** A leader changed its ISR: write the layout down and tell the other brokers (their metadata shows it). */
  private isrChanged(partition: Partition): void {
    const layout: TopicLayout = { name: partition.topic, configs: {}, partitions: [partition.layout()] };
    this.metadata.update(layout);
    void this.options.announce(layout);
  }

  /** The high watermarks written down before the last stop, read once at startup. */
  private savedHighWatermarks = new Map<string, number>();

  /** Reopens every partition found in dataDir: what a restarted broker already holds. */
  private loadLogs(): void {
    const { dataDir, localId } = this.options;
    this.savedHighWatermarks = this.checkpoint.read();
    for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
      // The partition number is after the LAST dash: topic names may contain dashes themselves.
      const match = entry.isDirectory() ? /^(.+)-(\d+)$/.exec(entry.name) : null;
      if (!match) continue;
      const [, topic, number] = match;
      // A log with no saved layout (a data dir from before step 07) is a partition this broker alone holds.
      const layout = this.metadata.partition(topic!, Number(number)) ?? { partition: Number(number), leader: localId, replicas: [localId], isr: [localId] };
      if (!this.metadata.partition(topic!, Number(number))) this.metadata.update({ name: topic!, configs: {}, partitions: [layout] });
      const partition = this.openPartition(topic!, layout, this.metadata.topic(topic!)!.configs);
      this.fetcherManager.follow(partition);
      this.options.log(`Loaded ${partition.name} (${partition.isLeader ? 'leader' : `follower of broker ${partition.leader}`}, log end ${partition.logEndOffset}, high watermark ${partition.highWatermark}) from ${dataDir}`);
    }
  }

  private openLog(topic: string, partition: number): Log {
    return Log.open(this.options.dataDir, topic, partition, { ...this.options.logOptions, log: (line) => this.options.log(`[${topic}-${partition}] ${line}`) });
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    let deleted = 0;
    for (const { topic, log } of this.partitions.values()) {
      // Deleting old commits would make a quiet group forget where it was: Kafka compacts this
      // topic instead (keeping the latest commit per key), which this workshop does not do.
      if (topic === OFFSETS_TOPIC) continue;
      deleted += log.deleteOldSegments();
    }
    return deleted;
  }

  /** Stops the fetchers and the timers, writes the high watermarks down and closes every log; the broker calls it as it stops. */
  async shutdown(): Promise<void> {
    this.purgatory.releaseAll(); // parked fetches answer now, their timers go
    this.delayedProduce.releaseAll();
    for (const timer of this.timers) clearInterval(timer);
    await this.fetcherManager.shutdown();
    this.checkpointHighWatermarks();
    for (const { log } of this.partitions.values()) log.close();
    this.partitions.clear();
  }

  /** Writes every partition's high watermark to replication-offset-checkpoint (on a timer, and when stopping). */
  checkpointHighWatermarks(): void {
    this.checkpoint.write([...this.partitions.values()].map(({ topic, partition, highWatermark }) => ({ topic, partition, highWatermark })));
  }

  /** The ISR check Kafka runs every half lag time: each led partition drops the followers that lag. */
  shrinkIsrs(): void {
    for (const partition of this.partitions.values()) {
      if (partition.maybeShrinkIsr(this.options.replicaLagTimeMaxMs)) this.highWatermarkMoved(partition);
    }
  }

  /** Records under the high watermark are readable now, and acks=all writes may be done: wake whoever waits. */
  private highWatermarkMoved(partition: Partition): void {
    this.purgatory.appended(partition.topic, partition.partition);
    this.delayedProduce.highWatermarkMoved(partition.topic, partition.partition);
  }

  /** A partition held here, leader or follower; UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER when it is not. */
  private localPartition(topic: string, partition: number): Partition {
    const layout = this.metadata.topic(topic);
    if (!layout) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `there is no topic "${topic}"; produce to it or create it first`);
    const entry = layout.partitions[partition];
    if (!entry) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${topic}" has partitions 0 to ${layout.partitions.length - 1}, not ${partition}`);
    const local = this.partitions.get(`${topic}-${partition}`);
    if (!local) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.options.localId} holds no copy of ${topic}-${partition}; broker ${entry.leader} leads it`);
    return local;
  }

  /** A partition this broker leads: where producers write and consumers read. */
  private leaderPartition(topic: string, partition: number): Partition {
    const local = this.localPartition(topic, partition);
    if (!local.isLeader) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.options.localId} follows ${local.name}; send it to its leader, broker ${local.leader}`);
    return local;
  }

  /** A partition held here, for tests and demos: its log end offset, high watermark, ISR. */
  partition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(`${topic}-${partition}`);
  }

  /** Every replica held here: leads it or not, log end offset, high watermark (the describeReplicas request). */
  describeReplicas(): ReplicaState[] {
    return [...this.partitions.values()].map(({ topic, partition, isLeader, logEndOffset, highWatermark }) => ({ topic, partition, leader: isLeader, logEndOffset, highWatermark }));
  }

  /** Appends one batch of a produce request to its partition; returns the offset of its first record. */
  append(topic: string, partition: number, batch: WireRecord[], acks = 1): number {
    // A batch of nothing would take no offset and leave no trace: Kafka refuses one whose record
    // count is 0 as INVALID_RECORD, and so does this broker.
    if (batch.length === 0) throw new KafkaError('INVALID_RECORD', `the batch for ${topic}-${partition} has no records; a batch needs at least one`);
    this.layoutOf(topic);
    const target = this.leaderPartition(topic, partition);
    const records = batch.map(fromWire);
    const size = records.reduce((sum, record) => sum + recordBytes(record), 0);
    if (size > this.options.messageMaxBytes) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `a batch of ${size} bytes is over messageMaxBytes (${this.options.messageMaxBytes}); send smaller batches or raise the limit`);
    }
    const baseOffset = target.appendAsLeader(records, acks);
    // Fetches parked on this partition (long polling) can now be answered.
    this.purgatory.appended(topic, partition);
    return baseOffset;
  }

  /** acks=all: waits until every in-sync replica has the batches, or timeoutMs (see delayed-produce.ts). */
  awaitInSyncReplicas(batches: AppendedBatch[], timeoutMs: number, clientGone?: AbortSignal): Promise<ProduceResult[]> {
    return this.delayedProduce.awaitInSyncReplicas(batches, timeoutMs, clientGone);
  }

  /**
   * Kafka's ListOffsets for one partition, as its leader answers a consumer: where it starts
   * (earliest, -2), where a consumer's reading ends (latest, -1: the high watermark), or its first
   * record at or after a time, found only below the high watermark (a consumer may not see the
   * others yet). A sentinel's answer has timestamp -1, and so has offset -1: no record that late.
   */
  listOffset(topic: string, partition: number, timestamp: number): TimestampOffset {
    const { log, highWatermark } = this.leaderPartition(topic, partition);
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: log.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIMESTAMP) return { offset: highWatermark, timestamp: -1 };
    const found = log.offsetForTimestamp(timestamp);
    return found && found.offset < highWatermark ? found : { offset: -1, timestamp: -1 };
  }

  /**
   * Answers a fetch at once when it has minBytes (or an error) to give; otherwise parks it until
   * an append to one of its partitions, or maxWaitMs, or the broker stops or its client goes
   * (long polling).
   */
  async fetch(request: FetchRequest, clientGone?: AbortSignal): Promise<FetchResponse> {
    const deadline = Date.now() + request.maxWaitMs;
    // A follower's fetch says how far it has got: that may let it back into the ISR and move the
    // high watermark, before anything is read (a refusal is read, and answered, below).
    const follower = request.replicaId ?? -1;
    for (const { topic, partition, offset } of follower >= 0 ? request.partitions : []) {
      const led = this.partitions.get(`${topic}-${partition}`);
      if (led?.isLeader && led.replicas.includes(follower) && led.updateFollowerFetch(follower, offset)) this.highWatermarkMoved(led);
    }
    // However much a client asks for, one answer carries at most fetchMaxBytes of records.
    const maxBytes = Math.min(request.maxBytes, this.options.fetchMaxBytes);
    for (;;) {
      const { response, bytes } = readFromLog(request, maxBytes, (topic, partition) => this.leaderPartition(topic, partition));
      const hasError = response.partitions.some((partition) => partition.error);
      const timeLeft = deadline - Date.now();
      if (bytes >= request.minBytes || hasError || timeLeft <= 0) return response;
      // This loop turns once per append to one of the fetch's partitions, never on a timer.
      const reason = await this.purgatory.wait(request.partitions, timeLeft, clientGone);
      if (reason === 'released') return response;
    }
  }

  /** How many fetches are parked now, waiting for records (for tests and demos). */
  parkedFetches(): number {
    return this.purgatory.size;
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    const log = this.partitions.get(`${topic}-${partition}`)?.log;
    if (!log) return [];
    return log.readRecords(offset);
  }

  /** Wakes the fetches parked on a partition that something else appended to (the offsets store). */
  appended(topic: string, partition: number): void {
    // The offsets store writes to the log itself: its partitions' high watermark follows.
    const written = this.partitions.get(`${topic}-${partition}`);
    if (written?.maybeAdvanceHighWatermark()) this.highWatermarkMoved(written);
    this.purgatory.appended(topic, partition);
  }
}
