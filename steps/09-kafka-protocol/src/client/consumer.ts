// Kafka's consumer: on its own, or as a member of a consumer group (from step 06).
//
// It reads every partition of the topics it subscribes to. For each partition it keeps a
// POSITION: the offset of the next record to hand out. The broker remembers nothing about it:
// reading does not remove records from the log, so any number of consumers can read the same
// topic, each at its own position. A partition without a position yet (a new consumer), or whose
// position is no longer in the log (retention deleted it), starts where `autoOffsetReset` says:
// the first offset still kept (earliest) or the next one to be written (latest, Kafka's default).
//
// Iteration fetches from each partition's leader (fetcher.ts) and hands out the records one by
// one. When there is nothing new, the fetch waits at the broker (long polling, see
// network/delayed-fetch.ts) instead of asking again and again.
//
// With a `groupId` (step 06) the consumer is a member of a consumer group: it reads only the
// partitions the group assigned to it (consumer-coordinator.ts), a new position comes from the
// group's committed offset before autoOffsetReset is consulted, and it commits its positions,
// every autoCommitIntervalMs (enableAutoCommit) or when you call commit().
//
// From step 08 a partition's leader may move while the consumer reads it. A fetch then fails with
// NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE or a dropped connection; the consumer waits
// `retryBackoffMs`, refreshes its metadata and fetches from the new leader, from the same position:
// the position is the consumer's, so nothing is read twice and nothing is skipped.
import { Cluster } from './cluster.ts';
import { CONSUMER_DEFAULTS, MAX_TIMEOUT_MS, type ConsumerOptions } from './consumer-config.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import { bytesDeserializer, type Deserializer } from './deserializers.ts';
import { KafkaError } from '../common/errors.ts';
import { Fetcher, type Fetched, type OffsetAndTimestamp } from './fetcher.ts';
import { keyOf, type TopicPartition } from '../common/topic-partition.ts';
import { withRetries } from './retry.ts';
import type { CommittedPartition } from '../protocol/index.ts';
import { rangeAssignor } from './range-assignor.ts';
import { roundRobinAssignor } from './round-robin-assignor.ts';

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

export class KafkaConsumer<K = Buffer | null, V = Buffer | null> {
  /** The topics subscribed to. */
  readonly topics: string[];
  private readonly autoOffsetReset: 'earliest' | 'latest';
  private readonly consumerTimeoutMs: number;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private readonly fetchMaxWaitMs: number;
  /** The brokers, the partitions' leaders and a connection to each broker (see cluster.ts). */
  private readonly cluster: Cluster;
  /** Every partition of the subscribed topics, by "topic-partition": without a group, all of them are ours. */
  private readonly partitions = new Map<string, TopicPartition>();
  private metadata: Promise<void> | null = null;
  /** Each partition's position: the offset of the next record to hand out; null until reset. */
  private readonly positions = new Map<string, number | null>();
  /** Sends the fetches and buffers what they bring; sets the positions that are missing. */
  private readonly fetcher: Fetcher;
  private closed = false;
  private readonly log: (line: string) => void;
  /** The group membership, when the consumer has a groupId. */
  private readonly group: ConsumerCoordinator | null = null;
  private readonly enableAutoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private nextAutoCommitAt = 0;
  /** The offsets last committed, so that an auto-commit with nothing new sends nothing. */
  private readonly lastCommitted = new Map<string, number>();
  private readonly retryBackoffMs: number;
  private readonly defaultApiTimeoutMs: number;
  /** The auto-commit on its way, if one is: the iterator does not wait for it (Kafka's commitAsync). */
  private autoCommitting: Promise<void> | null = null;

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
    this.fetcher = new Fetcher(this.cluster, this.partitions, this.positions, {
      autoOffsetReset: this.autoOffsetReset,
      fetchMinBytes: options.fetchMinBytes ?? CONSUMER_DEFAULTS.fetchMinBytes,
      maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? CONSUMER_DEFAULTS.maxPartitionFetchBytes,
      log: options.log ?? (() => {}),
      topics: this.topics,
      retryBackoffMs: options.retryBackoffMs ?? CONSUMER_DEFAULTS.retryBackoffMs,
    });
    this.log = options.log ?? (() => {});
    this.enableAutoCommit = options.enableAutoCommit ?? CONSUMER_DEFAULTS.enableAutoCommit;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? CONSUMER_DEFAULTS.autoCommitIntervalMs;
    this.retryBackoffMs = options.retryBackoffMs ?? CONSUMER_DEFAULTS.retryBackoffMs;
    this.defaultApiTimeoutMs = options.defaultApiTimeoutMs ?? CONSUMER_DEFAULTS.defaultApiTimeoutMs;
    for (const [name, value] of [['retryBackoffMs', this.retryBackoffMs], ['defaultApiTimeoutMs', this.defaultApiTimeoutMs]] as const) {
      if (!(Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT_MS)) throw new RangeError(`${name} must be a whole number of ms from 0 to ${MAX_TIMEOUT_MS}, got ${value}`);
    }
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
        retryBackoffMs: this.retryBackoffMs,
        defaultApiTimeoutMs: this.defaultApiTimeoutMs,
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
    this.fetcher.drop(key);
  }

  /** The offset of the next record this partition will hand out (found with autoOffsetReset if needed). */
  async position({ topic, partition }: TopicPartition): Promise<number> {
    await this.loadMetadata();
    const key = keyOf(topic, partition);
    if (!this.positions.has(key)) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${key} is not one of this consumer's partitions (${this.describeAssignment()})`);
    // Its leader may be moving: ask again (resetPositions waits retryBackoffMs) until defaultApiTimeoutMs.
    const deadline = Date.now() + this.defaultApiTimeoutMs;
    while (this.positions.get(key) === null) {
      if (Date.now() >= deadline) throw new KafkaError('REQUEST_TIMED_OUT', `could not find the ${this.autoOffsetReset} offset of ${key} within defaultApiTimeoutMs (${this.defaultApiTimeoutMs} ms): its leader did not answer`);
      await this.fetcher.resetPositions();
    }
    return this.positions.get(key)!;
  }

  /**
   * For each partition, the first record at or after its `timestamp` (ms since the epoch), as
   * `{ offset, timestamp }`, or null where no record is that late: Kafka's offsetsForTimes. seek()
   * to the offset to read from that time on ("replay everything since 9 o'clock").
   */
  async offsetsForTimes(query: Array<TopicPartition & { timestamp: number }>): Promise<Array<TopicPartition & { found: OffsetAndTimestamp | null }>> {
    await this.loadMetadata();
    for (const { topic, partition } of query) {
      if (!this.partitions.has(keyOf(topic, partition))) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${keyOf(topic, partition)} is not one of this consumer's partitions`);
    }
    // A leader that moved, or none yet: ask again with fresh metadata, for up to defaultApiTimeoutMs.
    const topics = [...new Set(query.map(({ topic }) => topic))];
    const beforeRetry = async () => void (await this.cluster.refreshMetadata(topics));
    return withRetries('finding offsets by time', { backoffMs: this.retryBackoffMs, timeoutMs: this.defaultApiTimeoutMs, beforeRetry }, () => this.fetcher.offsetsForTimes(query));
  }

  /**
   * Commits the position of every partition this consumer owns: the group will resume from there.
   * A position is one past the last record handed out, so commit after processing what you got.
   * If the group's coordinator moves meanwhile, the commit goes to the new one, for up to defaultApiTimeoutMs.
   */
  async commit(): Promise<void> {
    if (!this.group) throw new Error('commit() needs a consumer group: give the consumer a groupId');
    await this.commitPositions(this.defaultApiTimeoutMs);
  }

  /** Commits the positions that changed since the last commit, retrying a coordinator move for up to `timeoutMs`. */
  private async commitPositions(timeoutMs: number): Promise<void> {
    const changed: CommittedPartition[] = [];
    for (const [key, offset] of this.positions) {
      if (offset === null || this.lastCommitted.get(key) === offset) continue;
      const { topic, partition } = this.partitions.get(key)!;
      changed.push({ topic, partition, offset });
    }
    await this.group!.commit(changed, timeoutMs);
    for (const { topic, partition, offset } of changed) this.lastCommitted.set(keyOf(topic, partition), offset);
  }

  /** What the iterator does between records in a group: rejoin when the group rebalances, auto-commit when due. */
  private async pollGroup(group: ConsumerCoordinator): Promise<void> {
    await group.ensureActiveGroup({
      onPartitionsRevoked: async () => {
        await this.autoCommitting; // settled before the positions it committed are cleared
        if (this.enableAutoCommit) await this.commitQuietly('before the rebalance', this.defaultApiTimeoutMs);
        this.positions.clear();
        this.fetcher.clear();
        this.lastCommitted.clear();
      },
      onPartitionsAssigned: (partitions) => this.resumeFromCommitted(partitions),
    });
    if (this.enableAutoCommit && Date.now() >= this.nextAutoCommitAt) {
      this.nextAutoCommitAt = Date.now() + this.autoCommitIntervalMs;
      // One attempt, sent without waiting for its answer (Kafka's commitAsync): the coordinator holds
      // a commit until its offsets partition's in-sync replicas have it, up to 5 s while one lags, and
      // records keep coming meanwhile. If it failed (the coordinator moved, say), the same offsets are
      // still uncommitted, and the next auto-commit comes after retryBackoffMs.
      if (this.autoCommitting) return; // one at a time, so that commits arrive in order
      this.autoCommitting = this.commitQuietly('auto-commit', 0).then((committed) => {
        if (!committed) this.nextAutoCommitAt = Date.now() + this.retryBackoffMs;
        this.autoCommitting = null;
      });
    }
  }

  /** Newly assigned partitions start at the group's committed offset; the others wait for autoOffsetReset. */
  private async resumeFromCommitted(partitions: TopicPartition[]): Promise<void> {
    await this.loadMetadata();
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
  }

  /** A commit whose failure is logged, not thrown (auto-commits, and the commit on close()); true if it succeeded. */
  private async commitQuietly(when: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.commitPositions(timeoutMs);
      return true;
    } catch (error) {
      this.log(`Commit ${when} failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** Iterates over records as they arrive: `for await (const message of consumer)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    let idleSince = Date.now();
    while (!this.closed) {
      // Back here, the loop body has finished with every record handed out so far: a safe moment to commit them, or to rebalance.
      if (this.group) await this.pollGroup(this.group);
      if (this.closed) return;
      const next = this.fetcher.next();
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
    const read = <T>(deserializer: Deserializer<T>, what: 'key' | 'value'): T => {
      try {
        return deserializer(record[what], topic);
      } catch (error) {
        // The position stays on this record; seek() past it to go on.
        this.fetcher.drop(keyOf(topic, partition));
        throw new DeserializationError(`could not deserialize the ${what} of ${topic}-${partition} offset ${record.offset} with the ${what}Deserializer: ${(error as Error).message}`, { cause: error });
      }
    };
    const key = read(this.keyDeserializer, 'key');
    const value = read(this.valueDeserializer, 'value');
    this.positions.set(keyOf(topic, partition), record.offset + 1);
    return { topic, partition, offset: record.offset, key, value, timestamp: record.timestamp, headers: record.headers };
  }

  /** Fetches from the leaders (fetcher.ts), once the partitions and their leaders are known. */
  private async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.loadMetadata();
    await this.fetcher.fetchOnce(maxWaitMs);
  }

  /** The subscribed topics' partitions, asked once (the cluster remembers their leaders). */
  private loadMetadata(): Promise<void> {
    this.metadata ??= this.fetchMetadata().catch((error: unknown) => {
      this.metadata = null; // a failure is not remembered: ask again next time
      throw error;
    });
    return this.metadata;
  }

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
    this.fetcher.close();
    if (this.group) {
      await this.autoCommitting;
      if (this.enableAutoCommit) await this.commitQuietly('closing', this.defaultApiTimeoutMs);
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
}
