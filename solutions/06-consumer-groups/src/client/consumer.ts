//> step 06 given
// Kafka's consumer: on its own, or as a member of a consumer group (from step 06).
//<
//
// It reads every partition of the topics it subscribes to. For each partition it keeps a
// POSITION: the offset of the next record to hand out. The broker remembers nothing about it:
// reading does not remove records from the log, so any number of consumers can read the same
// topic, each at its own position. A partition without a position yet (a new consumer), or whose
// position is no longer in the log (retention deleted it), starts where `autoOffsetReset` says:
// the first offset still kept (earliest) or the next one to be written (latest, Kafka's default).
//
// Iteration fetches from each partition's leader and hands out the records one by one. When
// there is nothing new, the fetch waits at the broker (long polling, see delayed-fetch.ts)
// instead of asking again and again.
//
// With a `groupId` (step 06) the consumer is a member of a consumer group: it reads only the
// partitions the group assigned to it (consumer-coordinator.ts), a new position comes from the
// group's committed offset before autoOffsetReset is consulted, and it commits its positions,
// every autoCommitIntervalMs (enableAutoCommit) or when you call commit().
import { Cluster } from './cluster.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import { bytesDeserializer, type Deserializer } from './deserializers.ts';
import { KafkaError } from '../common/errors.ts';
import { FetchBuffer } from './fetch-buffer.ts';
import type { PartitionAssignor } from './partition-assignor.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { EARLIEST_TIMESTAMP, INT32_MAX, LATEST_TIMESTAMP } from '../protocol/index.ts';
import type { CommittedPartition, FetchedPartition, FetchPartition, WireRecordWithOffset } from '../protocol/index.ts';
import { rangeAssignor } from './range-assignor.ts';
import { roundRobinAssignor } from './round-robin-assignor.ts';

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> {
  /** Brokers to ask for metadata first, as "host:port"; Kafka's `bootstrap.servers`. */
  bootstrapServers: string[];
  /** Where a partition without a valid position starts; Kafka's `auto.offset.reset` ('latest'). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Iteration ends after this long without a record; kafka-python's `consumer_timeout_ms` (forever). */
  consumerTimeoutMs?: number;
  /** Turns a key's bytes back into a value; Kafka's `key.deserializer`. Bytes as they are by default. */
  keyDeserializer?: Deserializer<K>;
  /** Turns a value's bytes back into a value; Kafka's `value.deserializer`. */
  valueDeserializer?: Deserializer<V>;
  /** How long the broker may hold a fetch that has nothing new; Kafka's `fetch.max.wait.ms` (500). */
  fetchMaxWaitMs?: number;
  /** Bytes a fetch waits for before it is answered; Kafka's `fetch.min.bytes` (1). */
  fetchMinBytes?: number;
  /** At most about this many bytes per partition per fetch; Kafka's `max.partition.fetch.bytes` (1 MiB). */
  maxPartitionFetchBytes?: number;
  /** Where to print offset resets and other events; silent unless given. */
  log?: (line: string) => void;
  //> step 06 given
  /** The consumer group to join; Kafka's `group.id`. Without one, the consumer reads every partition itself. */
  groupId?: string;
  /** Commit positions every autoCommitIntervalMs, on a rebalance and on close(); Kafka's `enable.auto.commit` (true). */
  enableAutoCommit?: boolean;
  /** Kafka's `auto.commit.interval.ms` (5000). */
  autoCommitIntervalMs?: number;
  /** Silence after which the coordinator removes this member; Kafka's `session.timeout.ms` (45 s). */
  sessionTimeoutMs?: number;
  /** How often to tell the coordinator this member is alive; Kafka's `heartbeat.interval.ms` (3 s). */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for this member to rejoin; Kafka's `max.poll.interval.ms` (5 min). */
  maxPollIntervalMs?: number;
  /** Assignors, preferred first; Kafka's `partition.assignment.strategy` (range, then round-robin here). */
  partitionAssignmentStrategy?: PartitionAssignor[];
  //<
}

/** One record as iteration hands it out; kafka-python's ConsumerRecord. */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  key: K;
  value: V;
  /** Milliseconds since the epoch, as the producer set it. */
  timestamp: number;
  /** In the order they were sent; a key may appear more than once. */
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** A record whose key or value the deserializer could not read. */
export class DeserializationError extends Error {
  override name = 'DeserializationError';
}

export const CONSUMER_DEFAULTS = {
  autoOffsetReset: 'latest',
  consumerTimeoutMs: Infinity,
  fetchMaxWaitMs: 500,
  fetchMinBytes: 1,
  maxPartitionFetchBytes: 1_048_576,
  /** Bytes per fetch response over all partitions; Kafka's `fetch.max.bytes` (50 MiB). */
  fetchMaxBytes: 52_428_800,
  //> step 06 given
  enableAutoCommit: true,
  autoCommitIntervalMs: 5_000,
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
} as const;

/** The longest timeout a timer (and Kafka's int32 fields) can hold: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMEOUT_MS = INT32_MAX;
//<

/** A fetched record waiting to be handed out, still as bytes. */
interface Fetched {
  topic: string;
  partition: number;
  record: WireRecordWithOffset;
}

export class KafkaConsumer<K = Buffer | null, V = Buffer | null> {
  /** The topics subscribed to. */
  readonly topics: string[];
  private readonly autoOffsetReset: 'earliest' | 'latest';
  private readonly consumerTimeoutMs: number;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private readonly fetchMaxWaitMs: number;
  private readonly fetchMinBytes: number;
  private readonly maxPartitionFetchBytes: number;
  private readonly log: (line: string) => void;
  /** The brokers, the partitions' leaders and a connection to each broker (see cluster.ts). */
  private readonly cluster: Cluster;
  /** Every partition of the subscribed topics, by "topic-partition": without a group, all of them are ours. */
  private readonly partitions = new Map<string, TopicPartition>();
  private metadata: Promise<void> | null = null;
  /** Each partition's position: the offset of the next record to hand out; null until reset. */
  private readonly positions = new Map<string, number | null>();
  /** Records fetched and not handed out yet, in order within each partition. */
  private buffered = new FetchBuffer<Fetched>();
  private closed = false;
  //> step 06 given
  /** The group membership, when the consumer has a groupId. */
  private readonly group: ConsumerCoordinator | null = null;
  private readonly enableAutoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private nextAutoCommitAt = 0;
  /** The offsets last committed, so that an auto-commit with nothing new sends nothing. */
  private readonly lastCommitted = new Map<string, number>();
  //<

  constructor(topics: string | string[], options: ConsumerOptions<K, V>) {
    this.topics = typeof topics === 'string' ? [topics] : [...topics];
    if (this.topics.length === 0) throw new Error('subscribe to at least one topic: new KafkaConsumer("numtest", { … })');
    this.cluster = new Cluster(options.bootstrapServers);
    this.autoOffsetReset = options.autoOffsetReset ?? CONSUMER_DEFAULTS.autoOffsetReset;
    if (this.autoOffsetReset !== 'earliest' && this.autoOffsetReset !== 'latest') {
      throw new Error(`autoOffsetReset is 'earliest' or 'latest', not ${JSON.stringify(this.autoOffsetReset)}`);
    }
    this.consumerTimeoutMs = options.consumerTimeoutMs ?? CONSUMER_DEFAULTS.consumerTimeoutMs;
    this.keyDeserializer = options.keyDeserializer ?? (bytesDeserializer as Deserializer<K>);
    this.valueDeserializer = options.valueDeserializer ?? (bytesDeserializer as Deserializer<V>);
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? CONSUMER_DEFAULTS.fetchMaxWaitMs;
    this.fetchMinBytes = options.fetchMinBytes ?? CONSUMER_DEFAULTS.fetchMinBytes;
    this.maxPartitionFetchBytes = options.maxPartitionFetchBytes ?? CONSUMER_DEFAULTS.maxPartitionFetchBytes;
    this.log = options.log ?? (() => {});
    //> step 06 rewrites: with a group, the partitions are the group's assignment
    this.enableAutoCommit = options.enableAutoCommit ?? CONSUMER_DEFAULTS.enableAutoCommit;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? CONSUMER_DEFAULTS.autoCommitIntervalMs;
    if (options.groupId !== undefined) {
      if (options.groupId === '') throw new Error('groupId is empty: give the group a name, or leave groupId out to read every partition without a group');
      for (const name of ['sessionTimeoutMs', 'heartbeatIntervalMs', 'maxPollIntervalMs', 'autoCommitIntervalMs'] as const) {
        const value = options[name];
        if (value !== undefined && !(Number.isInteger(value) && value > 0 && value <= MAX_TIMEOUT_MS)) throw new RangeError(`${name} must be a whole number of ms from 1 to ${MAX_TIMEOUT_MS}, got ${value}`);
      }
      if ((options.heartbeatIntervalMs ?? CONSUMER_DEFAULTS.heartbeatIntervalMs) >= (options.sessionTimeoutMs ?? CONSUMER_DEFAULTS.sessionTimeoutMs)) {
        throw new RangeError('heartbeatIntervalMs must be lower than sessionTimeoutMs (Kafka advises a third of it at most), or the member is removed between two heartbeats');
      }
      const membership = {
        groupId: options.groupId,
        topics: this.topics,
        sessionTimeoutMs: options.sessionTimeoutMs ?? CONSUMER_DEFAULTS.sessionTimeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? CONSUMER_DEFAULTS.heartbeatIntervalMs,
        rebalanceTimeoutMs: options.maxPollIntervalMs ?? CONSUMER_DEFAULTS.maxPollIntervalMs,
        assignors: options.partitionAssignmentStrategy ?? [rangeAssignor, roundRobinAssignor],
        log: this.log,
      };
      this.group = new ConsumerCoordinator(membership, this.cluster, (topics) => this.partitionCounts(topics));
    }
  }

  /** The partitions this consumer reads: every partition of its topics without a group, its share with one. */
  assignment(): TopicPartition[] {
    if (this.group) return this.group.assignment;
    return [...this.partitions.values()];
  }

  /** Makes `offset` the next record handed out from this partition (the next fetch starts there). */
  seek({ topic, partition }: TopicPartition, offset: number): void {
    if (!this.topics.includes(topic)) throw new Error(`seek() on "${topic}", which this consumer does not subscribe to (it reads ${this.topics.join(', ')})`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`seek() needs an offset from 0 up, got ${offset}`);
    const key = keyOf(topic, partition);
    if (this.group && !this.positions.has(key)) throw new Error(`seek() on ${key}, which group "${this.group.groupId}" has not assigned to this consumer (it owns ${this.describeAssignment()})`);
    this.positions.set(key, offset);
    // Records already fetched for this partition were read from the old position: drop them.
    this.buffered = this.buffered.filter((fetched) => keyOf(fetched.topic, fetched.partition) !== key);
  }

  /** The offset of the next record this partition will hand out (found with autoOffsetReset if needed). */
  async position({ topic, partition }: TopicPartition): Promise<number> {
    await this.loadMetadata();
    const key = keyOf(topic, partition);
    if (!this.positions.has(key)) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${key} is not one of this consumer's partitions (${this.describeAssignment()})`);
    await this.resetPositions();
    return this.positions.get(key)!;
  }

  /**
   * Commits the position of every partition this consumer owns: the group will resume from there.
   * A position is one past the last record handed out, so commit after processing what you got.
   */
  async commit(): Promise<void> {
    if (!this.group) throw new Error('commit() needs a consumer group: give the consumer a groupId');
  //<
    //> step 06 task 7: KafkaConsumer.commit — commit every known position that changed since the last commit, then remember it
    const changed: CommittedPartition[] = [];
    for (const [key, offset] of this.positions) {
      if (offset === null || this.lastCommitted.get(key) === offset) continue;
      const { topic, partition } = this.partitions.get(key)!;
      changed.push({ topic, partition, offset });
    }
    await this.group.commit(changed);
    for (const { topic, partition, offset } of changed) this.lastCommitted.set(keyOf(topic, partition), offset);
    //<
  //> step 06 given
  }

  /** What the iterator does between records in a group: rejoin when the group rebalances, auto-commit when due. */
  private async pollGroup(group: ConsumerCoordinator): Promise<void> {
    await group.ensureActiveGroup({
      onPartitionsRevoked: async () => {
        if (this.enableAutoCommit) await this.commitQuietly('before the rebalance');
        this.positions.clear();
        this.buffered = new FetchBuffer();
        this.lastCommitted.clear();
      },
      onPartitionsAssigned: (partitions) => this.resumeFromCommitted(partitions),
    });
    if (this.enableAutoCommit && Date.now() >= this.nextAutoCommitAt) {
      this.nextAutoCommitAt = Date.now() + this.autoCommitIntervalMs;
      await this.commitQuietly('auto-commit');
    }
  }

  // #region resume
  /** Newly assigned partitions start at the group's committed offset; the others wait for autoOffsetReset. */
  private async resumeFromCommitted(partitions: TopicPartition[]): Promise<void> {
    await this.loadMetadata();
  //<
    //> step 06 task 6: KafkaConsumer.resumeFromCommitted — ask the coordinator for the committed offsets; each assigned partition's position is its committed offset, or null (reset later) without one
    const committed = await this.group!.committed(partitions);
    for (const { topic, partition } of partitions) {
      const key = keyOf(topic, partition);
      const offset = committed.get(key);
      this.positions.set(key, offset ?? null);
      if (offset !== undefined) {
        this.lastCommitted.set(key, offset);
        this.log(`Resuming ${key} at offset ${offset}, where group "${this.group!.groupId}" committed`);
      }
    }
    //<
  //> step 06 given
  }
  // #endregion resume

  /** A commit whose failure is logged, not thrown: auto-commits, and the commit on close(). */
  private async commitQuietly(when: string): Promise<void> {
    try {
      await this.commit();
    } catch (error) {
      this.log(`Commit ${when} failed: ${(error as Error).message}`);
    }
  }

  /** Iterates over records as they arrive: `for await (const message of consumer)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    let idleSince = Date.now();
    while (!this.closed) {
      // Back here, the loop body has finished with every record handed out so far: a safe moment to commit them, or to rebalance.
      if (this.group) await this.pollGroup(this.group);
      if (this.closed) return;
      //<
      const next = this.buffered.shift();
      if (next) {
        yield this.deliver(next);
        idleSince = Date.now(); // the wait for the next record starts when it is asked for
        continue;
      }
      const timeLeft = idleSince + this.consumerTimeoutMs - Date.now();
      if (timeLeft <= 0) return; // consumerTimeoutMs without a record: the loop ends
      await this.fetchOnce(Math.min(this.fetchMaxWaitMs, timeLeft));
    }
  }

  /** Deserializes one record and moves its partition's position past it. */
  private deliver({ topic, partition, record }: Fetched): ConsumerRecord<K, V> {
    const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
    const read = <T>(deserializer: Deserializer<T>, what: 'key' | 'value'): T => {
      try {
        return deserializer(bytes(record[what]), topic);
      } catch (error) {
        // The position stays on this record; seek() past it to go on.
        this.buffered = this.buffered.filter((other) => other.topic !== topic || other.partition !== partition);
        throw new DeserializationError(`could not deserialize the ${what} of ${topic}-${partition} offset ${record.offset} with the ${what}Deserializer: ${(error as Error).message}`, { cause: error });
      }
    };
    const key = read(this.keyDeserializer, 'key');
    const value = read(this.valueDeserializer, 'value');
    this.positions.set(keyOf(topic, partition), record.offset + 1);
    const headers = record.headers.map((header) => ({ key: header.key, value: bytes(header.value) }));
    return { topic, partition, offset: record.offset, key, value, timestamp: record.timestamp, headers };
  }

  /** One fetch from every leader; the records it brings join the buffer. */
  private async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.loadMetadata();
    await this.resetPositions();
    const byLeader = new Map<number, FetchPartition[]>();
    //> step 06 rewrites: only partitions with a position (the assigned ones) are fetched
    // Only the partitions this consumer owns have a position: all of them without a group, its share with one.
    for (const [key, offset] of this.positions) {
      const { topic, partition } = this.partitions.get(key)!;
      const leader = this.cluster.leaderOf(topic, partition) ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset: offset!, maxBytes: this.maxPartitionFetchBytes }]);
    //<
    }
    // Kafka keeps one fetch in flight per broker and uses whichever answers first; with every
    // partition on one broker (until step 07), waiting for all of them is the same thing.
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const request = { type: 'fetch' as const, maxWaitMs, minBytes: this.fetchMinBytes, maxBytes: CONSUMER_DEFAULTS.fetchMaxBytes, partitions };
        try {
          return { partitions, response: await this.cluster.connectionToBroker(leader).request(request) };
        } catch (error) {
          if (this.closed) return null; // close() during a long poll: nothing more to fetch
          throw error;
        }
      }),
    );
    for (const answer of answers) {
      if (!answer) continue;
      answer.response.partitions.forEach((fetched, i) => this.take(fetched, answer.partitions[i]!.offset));
    }
  }

  /** Buffers one partition's fetched records, or deals with its error. */
  private take(fetched: FetchedPartition, fetchedFrom: number): void {
    const key = keyOf(fetched.topic, fetched.partition);
    // A seek() while the fetch was on its way: these records come from the old position.
    if (this.positions.get(key) !== fetchedFrom) return;
    if (fetched.error?.code === 'OFFSET_OUT_OF_RANGE') {
      this.log(`Offset ${fetchedFrom} is out of range for ${key} (it holds ${fetched.logStartOffset} to ${fetched.highWatermark - 1}): resetting to ${this.autoOffsetReset}`);
      this.positions.set(key, null);
      return;
    }
    if (fetched.error) throw new KafkaError(fetched.error.code, `fetching ${key}: ${fetched.error.message}`);
    for (const record of fetched.records) this.buffered.push({ topic: fetched.topic, partition: fetched.partition, record });
  }

  /** Gives every partition without a position the one autoOffsetReset says, asking each leader. */
  private async resetPositions(): Promise<void> {
    //> step 06 rewrites: only assigned partitions are reset
    const missing = [...this.positions].filter(([, offset]) => offset === null).map(([key]) => this.partitions.get(key)!).map((tp) => ({ ...tp, leader: this.cluster.leaderOf(tp.topic, tp.partition) ?? -1 }));
    //<
    if (missing.length === 0) return;
    const timestamp = this.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const leader of new Set(missing.map((tp) => tp.leader))) {
      const partitions = missing.filter((tp) => tp.leader === leader).map(({ topic, partition }) => ({ topic, partition, timestamp }));
      const response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      for (const { topic, partition, offset, error } of response.partitions) {
        if (error) throw new KafkaError(error.code, `finding the ${this.autoOffsetReset} offset of ${topic}-${partition}: ${error.message}`);
        this.positions.set(keyOf(topic, partition), offset);
        this.log(`Resetting the position of ${topic}-${partition} to offset ${offset} (${this.autoOffsetReset})`);
      }
    }
  }

  /** The subscribed topics' partitions, asked once (the cluster remembers their leaders). */
  private loadMetadata(): Promise<void> {
    this.metadata ??= this.fetchMetadata().catch((error: unknown) => {
      this.metadata = null; // a failure is not remembered: ask again next time
      throw error;
    });
    return this.metadata;
  }

  //> step 06 rewrites: with a group, partitions get a position only once assigned
  private async fetchMetadata(): Promise<void> {
    const response = await this.cluster.refreshMetadata(this.topics);
    for (const topic of response.topics) {
      if (topic.error) throw new KafkaError(topic.error.code, `topic "${topic.name}": ${topic.error.message}`);
      for (const { partition } of topic.partitions) {
        const key = keyOf(topic.name, partition);
        this.partitions.set(key, { topic: topic.name, partition });
        // Without a group, every partition is ours (a seek() before this keeps its offset); with one, the group decides.
        if (!this.group && !this.positions.has(key)) this.positions.set(key, null);
      }
    }
  }

  /** Ends iteration (a waiting fetch is abandoned), commits and leaves the group if in one, and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.group) {
      if (this.enableAutoCommit) await this.commitQuietly('closing');
      await this.group.close();
    }
    await this.cluster.close();
  }

  /** "numtest-0, numtest-2", or "nothing". */
  private describeAssignment(): string {
    return [...this.positions.keys()].join(', ') || 'nothing';
  }

  /** Each topic's partition count, asked fresh (the group leader assigns from it). */
  private async partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const response = await this.cluster.refreshMetadata(topics);
    const counts = new Map<string, number>();
    for (const topic of response.topics) {
      // As Kafka's leader does, a topic that cannot be described is left out of the plan, not fatal to the whole group.
      if (topic.error) this.log(`Assigning without topic "${topic.name}": ${topic.error.code}: ${topic.error.message}`);
      else counts.set(topic.name, topic.partitions.length);
    }
    return counts;
  }
  //<
}

function keyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
