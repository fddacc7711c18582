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
import { KafkaError, errorBody } from '../common/errors.ts';
import { HighWatermarkCheckpoint } from '../storage/high-watermark-checkpoint.ts';
//> step 08 rewrites: brokers are known from the controller's metadata (metadata-image.ts), not from a static list
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../storage/leader-epoch-cache.ts';
import type { EpochEndOffsetResult, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from '../protocol/index.ts';
import { Log } from '../storage/log.ts';
import type { TimestampOffset } from '../storage/time-index.ts';
import { minInsyncReplicasOf, type LogOptions } from '../storage/log-config.ts';
import { MetadataImage, type MetadataRecord, type PartitionState, type TopicState } from '../metadata/metadata-image.ts';
import { Partition } from './partition.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type FetchRequest, type FetchResponse, type ProduceResult, type ReplicaState, type WireRecord } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { readFromLog } from './read-from-log.ts';
import { ReplicaFetcherManager } from './replica-fetcher-manager.ts';
import { fromWire, recordBytes } from './wire-record.ts';

export interface ReplicaManagerOptions {
  //<
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
  //> step 08 rewrites
  /** This broker's id. */
  localId: number;
  //<
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
  //> step 08 rewrites
  /** Sends a leader's AlterPartition to the controller; resolves with the partition's new state. */
  alterPartition: (request: { topic: string; partition: number; leaderEpoch: number; partitionEpoch: number; newIsr: number[] }) => Promise<PartitionState>;
}

export class ReplicaManager {
  /** The partitions this broker holds a replica of, leader or follower, by "topic-partition". */
  private readonly partitions = new Map<string, Partition>();
  /** The cluster as the controller's metadata log describes it: brokers, topics, every partition's leader, epochs and ISR. */
  readonly metadata = new MetadataImage();
  private readonly checkpoint: HighWatermarkCheckpoint;
  /** Copies the partitions this broker follows from their leaders, one fetcher per leader. */
  private readonly fetcherManager: ReplicaFetcherManager;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Fetches waiting for records (long polling), woken by appends to their partitions. */
  private readonly purgatory = new FetchPurgatory();
  /** acks=all produce requests waiting for the in-sync replicas, woken when a high watermark moves. */
  private readonly delayedProduce = new DelayedProduce((topic, partition) => this.partition(topic, partition));
  /** The high watermarks written down before the last stop, read once at startup. */
  private savedHighWatermarks = new Map<string, number>();

  constructor(private readonly options: ReplicaManagerOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    this.checkpoint = new HighWatermarkCheckpoint(options.dataDir);
    this.fetcherManager = new ReplicaFetcherManager({ ...options, brokers: () => [...this.metadata.brokers.values()] });
  }

  /**
   * Reads the saved high watermarks and starts the timers: retention, the ISR check, the high
   * watermark checkpoint. The logs on disk are reopened as the metadata names their partitions.
   */
  startup(): void {
    this.savedHighWatermarks = this.checkpoint.read();
    //<
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
    //> step 08 rewrites
    return [...this.metadata.topics.keys()];
  }

  hasTopic(topic: string): boolean {
    return this.metadata.topic(topic) !== undefined;
  }

  /** A topic's partitions as the metadata has them; undefined for a topic the controller has not created. */
  layoutOf(topic: string): TopicState | undefined {
    return this.metadata.topic(topic);
  }

  /** The log of a partition this broker leads (the offsets store writes its commits there). */
  leaderLog(topic: string, partition: number): Log | undefined {
    const local = this.partitions.get(`${topic}-${partition}`);
    return local?.isLeader ? local.log : undefined;
  }

  /**
   * Applies one record of the controller's metadata log. A partition record that concerns a
   * replica here makes this broker its leader or a follower of its new leader; `becameLeader`
   * tells the caller (the group coordinator loads the offsets of the groups it now coordinates).
   */
  applyRecord(record: MetadataRecord): { becameLeader?: Partition; becameFollower?: Partition } {
    this.metadata.apply(record);
    if (record.type === 'registerBroker') {
      // A broker back on a new address: its followers fetch from there now.
      for (const partition of this.partitions.values()) if (partition.leader === record.id && !partition.isLeader) this.fetcherManager.follow(partition);
    }
    if (record.type !== 'partition' || !record.replicas.includes(this.options.localId)) return {};
    const { type: _type, topic, ...state } = record;
    let partition = this.partitions.get(`${topic}-${state.partition}`);
    const wasLeader = partition?.isLeader ?? false;
    const oldEpoch = partition?.leaderEpoch ?? -1;
    if (partition) partition.update(state);
    else partition = this.openPartition(topic, state);
    partition.minInsyncReplicas = minInsyncReplicasOf(this.metadata.topic(topic)?.configs ?? {}, this.options.minInsyncReplicas);
    if (partition.leaderEpoch === oldEpoch) {
      // Same leader, new ISR (the controller's answer to an AlterPartition): the high watermark may move.
      if (partition.isLeader && partition.maybeAdvanceHighWatermark()) this.highWatermarkMoved(partition);
      return {};
    }
    this.fetcherManager.follow(partition);
    // Whoever waits on this partition must look again: a leader that lost leadership answers NOT_LEADER_OR_FOLLOWER.
    this.highWatermarkMoved(partition);
    this.options.log(`${partition.name}: ${partition.isLeader ? 'leader' : `follower of broker ${partition.leader}`} in epoch ${partition.leaderEpoch}, ISR ${partition.isr.join(',')}`);
    if (partition.isLeader && !wasLeader) return { becameLeader: partition };
    if (!partition.isLeader && wasLeader) return { becameFollower: partition };
    return {};
  }

  private openPartition(topic: string, state: PartitionState): Partition {
    const partition = new Partition({
      topic,
      partition: state.partition,
      log: this.openLog(topic, state.partition),
      localId: this.options.localId,
      layout: state,
      highWatermark: this.savedHighWatermarks.get(`${topic}-${state.partition}`) ?? 0,
      minInsyncReplicas: this.options.minInsyncReplicas,
      proposeIsr: (asking, newIsr) => void this.proposeIsr(asking, newIsr),
      say: this.options.log,
    });
    this.partitions.set(partition.name, partition);
    return partition;
  }

  /** Sends a leader's ISR change to the controller; its answer updates the partition (a refusal leaves it as it was). */
  private async proposeIsr(partition: Partition, newIsr: number[]): Promise<void> {
    const { topic, leaderEpoch, partitionEpoch } = partition;
    try {
      const state = await this.options.alterPartition({ topic, partition: partition.partition, leaderEpoch, partitionEpoch, newIsr });
      this.applyRecord({ type: 'partition', topic, ...state });
    } catch (error) {
      partition.pendingIsr = null;
      this.options.log(`The controller refused the ISR ${newIsr.join(',')} for ${partition.name}: ${(error as Error).message}`);
    }
  }
//<

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
  // #region fetch
  async fetch(request: FetchRequest, clientGone?: AbortSignal): Promise<FetchResponse> {
    const deadline = Date.now() + request.maxWaitMs;
    // A follower's fetch says how far it has got: that may let it back into the ISR and move the
    // high watermark, before anything is read (a refusal is read, and answered, below).
    const follower = request.replicaId ?? -1;
    //> step 08 rewrites
    for (const { topic, partition, offset, currentLeaderEpoch, lastFetchedEpoch } of follower >= 0 ? request.partitions : []) {
      const led = this.partitions.get(`${topic}-${partition}`);
      // A follower of another epoch is refused below; its offset says nothing about this leader's log.
      if (currentLeaderEpoch !== undefined && currentLeaderEpoch !== led?.leaderEpoch) continue;
      // Nor does the offset of a follower whose log parts from this one: it truncates first.
      if (led?.isLeader && led.divergingEpoch(lastFetchedEpoch, offset)) continue;
      //<
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
  // #endregion fetch

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

  //> step 08 given
  /**
   * Kafka's OffsetsForLeaderEpoch, on the leader: for each partition, where the epoch asked about
   * ends in this leader's log. Followers learn it from their fetches here (divergingEpoch); this
   * request is how a consumer checks its position after a leader change (KIP-320), and how
   * followers asked before Kafka 2.7.
   */
  offsetsForLeaderEpoch(request: OffsetsForLeaderEpochRequest): OffsetsForLeaderEpochResponse {
    const partitions = request.partitions.map(({ topic, partition, leaderEpoch, currentLeaderEpoch }): EpochEndOffsetResult => {
      try {
        const { epoch, endOffset } = this.leaderPartition(topic, partition).endOffsetForEpoch(leaderEpoch, currentLeaderEpoch);
        return { topic, partition, leaderEpoch: epoch, endOffset };
      } catch (error) {
        return { topic, partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET, error: errorBody(error) };
      }
    });
    return { partitions };
  }
  //<
}
