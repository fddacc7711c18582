// Kafka's consumer: on its own, or as a member of a consumer group (from step 06).
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
//> step 08 given
//
// From step 08 a partition's leader may move while the consumer reads it. A fetch then fails with
// NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE or a dropped connection; the consumer waits
// `retryBackoffMs`, refreshes its metadata and fetches from the new leader, from the same position:
// the position is the consumer's, so nothing is read twice and nothing is skipped.
import { Cluster } from './cluster.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import { bytesDeserializer, type Deserializer } from './deserializers.ts';
import { KafkaError } from '../common/errors.ts';
import { FetchBuffer } from './fetch-buffer.ts';
import type { PartitionAssignor } from './partition-assignor.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { EARLIEST_TIMESTAMP, INT32_MAX, LATEST_TIMESTAMP } from '../protocol/index.ts';
import { isRetriable, isRetriableCode, RETRY_DEFAULTS, sleep } from './retry.ts';
//<
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
  //> step 08 given
  /** How long to wait before asking again after a leader or coordinator moved; Kafka's `retry.backoff.ms` (100). */
  retryBackoffMs?: number;
  /** How long commit() and position() keep retrying through a leader or coordinator move; Kafka's `default.api.timeout.ms` (60 000). */
  defaultApiTimeoutMs?: number;
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
  enableAutoCommit: true,
  autoCommitIntervalMs: 5_000,
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  //> step 08 given
  retryBackoffMs: RETRY_DEFAULTS.retryBackoffMs,
  defaultApiTimeoutMs: RETRY_DEFAULTS.defaultApiTimeoutMs,
  //<
} as const;

/** The longest timeout a timer (and Kafka's int32 fields) can hold: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMEOUT_MS = INT32_MAX;

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
  /** The fetch in flight to each broker, by broker id: at most one per broker, as Kafka's consumer. */
  private readonly fetches = new Map<number, Promise<void>>();
  /** The partitions those fetches ask for: a partition is in one fetch at a time, or its records would come twice. */
  private readonly fetching = new Set<string>();
  /** What went wrong in a fetch that settled while the iterator was not waiting for it; thrown by the next fetchOnce. */
  private fetchFailure: Error | null = null;
  private closed = false;
  /** The group membership, when the consumer has a groupId. */
  private readonly group: ConsumerCoordinator | null = null;
  private readonly enableAutoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private nextAutoCommitAt = 0;
  /** The offsets last committed, so that an auto-commit with nothing new sends nothing. */
  private readonly lastCommitted = new Map<string, number>();
  //> step 08 given
  private readonly retryBackoffMs: number;
  private readonly defaultApiTimeoutMs: number;
  /** Set when a leader turned out to be wrong or gone: the next fetch asks for fresh metadata first. */
  private leadersStale = false;
  /** The auto-commit on its way, if one is: the iterator does not wait for it (Kafka's commitAsync). */
  private autoCommitting: Promise<void> | null = null;
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
    this.enableAutoCommit = options.enableAutoCommit ?? CONSUMER_DEFAULTS.enableAutoCommit;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? CONSUMER_DEFAULTS.autoCommitIntervalMs;
    //> step 08 given
    this.retryBackoffMs = options.retryBackoffMs ?? CONSUMER_DEFAULTS.retryBackoffMs;
    this.defaultApiTimeoutMs = options.defaultApiTimeoutMs ?? CONSUMER_DEFAULTS.defaultApiTimeoutMs;
    for (const [name, value] of [['retryBackoffMs', this.retryBackoffMs], ['defaultApiTimeoutMs', this.defaultApiTimeoutMs]] as const) {
      if (!(Number.isInteger(value) && value >= 0 && value <= MAX_TIMEOUT_MS)) throw new RangeError(`${name} must be a whole number of ms from 0 to ${MAX_TIMEOUT_MS}, got ${value}`);
    }
    //<
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
        //> step 08 given
        retryBackoffMs: this.retryBackoffMs,
        defaultApiTimeoutMs: this.defaultApiTimeoutMs,
        //<
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
    //> step 08 rewrites: the consumer follows a partition's leader when it moves
    // Its leader may be moving: ask again (resetPositions waits retryBackoffMs) until defaultApiTimeoutMs.
    const deadline = Date.now() + this.defaultApiTimeoutMs;
    while (this.positions.get(key) === null) {
      if (Date.now() >= deadline) throw new KafkaError('REQUEST_TIMED_OUT', `could not find the ${this.autoOffsetReset} offset of ${key} within defaultApiTimeoutMs (${this.defaultApiTimeoutMs} ms): its leader did not answer`);
      await this.resetPositions();
    }
    return this.positions.get(key)!;
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
        this.buffered = new FetchBuffer();
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
      //<
    }
  }

  // #region resume
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
  // #endregion resume

  //> step 08 rewrites
  /** A commit whose failure is logged, not thrown (auto-commits, and the commit on close()); true if it succeeded. */
  private async commitQuietly(when: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.commitPositions(timeoutMs);
      return true;
    } catch (error) {
      this.log(`Commit ${when} failed: ${(error as Error).message}`);
      return false;
      //<
    }
  }

  /** Iterates over records as they arrive: `for await (const message of consumer)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    let idleSince = Date.now();
    while (!this.closed) {
      // Back here, the loop body has finished with every record handed out so far: a safe moment to commit them, or to rebalance.
      if (this.group) await this.pollGroup(this.group);
      if (this.closed) return;
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

  /**
   * Sends a fetch to every leader that has none in flight, for its partitions at their positions,
   * and waits for the first fetch to be answered; the records it brings join the buffer.
   */
  private async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.loadMetadata();
    //> step 08 rewrites: the consumer follows a partition's leader when it moves
    await this.refreshLeadersIfStale();
    await this.resetPositions();
    // A fetch answered while this one got ready (the awaits above) has filled the buffer: hand
    // those records out first. Asking now would fetch their partitions again from positions
    // those records have not moved yet, and the same records would be handed out twice.
    if (this.buffered.length > 0) return;
    const byLeader = new Map<number, FetchPartition[]>();
    // Only the partitions this consumer owns have a position: all of them without a group, its share with one.
    for (const [key, offset] of this.positions) {
      if (offset === null) continue; // its leader could not say where to start yet: next time
      if (this.fetching.has(key)) continue;
      const { topic, partition } = this.partitions.get(key)!;
      const leader = this.cluster.leaderOf(topic, partition);
      if (leader === undefined) {
        this.leaderLost(key, 'it has no leader right now');
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset, maxBytes: this.maxPartitionFetchBytes }]);
      //<
    }
    // A broker with nothing new holds its fetch for up to maxWaitMs (long polling). Waiting for
    // every broker's answer would hold back the records another broker has had all along, so
    // each fetch is taken as it comes, and the iterator hands out whatever arrived first.
    for (const [leader, partitions] of byLeader) {
      if (this.fetches.has(leader)) continue;
      const keys = partitions.map(({ topic, partition }) => keyOf(topic, partition));
      const request = { type: 'fetch' as const, maxWaitMs, minBytes: this.fetchMinBytes, maxBytes: CONSUMER_DEFAULTS.fetchMaxBytes, partitions };
      for (const key of keys) this.fetching.add(key);
      const fetch = this.cluster
        .connectionToBroker(leader)
        .request(request)
        .then((response) => response.partitions.forEach((fetched, i) => this.take(fetched, partitions[i]!.offset)))
        .catch((error: Error) => {
          if (this.closed) return; // close() during a long poll: nothing more to fetch
          //> step 08 rewrites
          // The broker went away (or will not answer): its partitions look for their new leader.
          if (isRetriable(error)) for (const key of keys) this.leaderLost(key, `fetching from broker ${leader} failed: ${error.message}`);
          else this.fetchFailure ??= error;
          //<
        })
        .finally(() => {
          this.fetches.delete(leader);
          for (const key of keys) this.fetching.delete(key);
        });
      this.fetches.set(leader, fetch);
    }
    if (this.fetches.size > 0) await Promise.race(this.fetches.values());
    const failure = this.fetchFailure;
    this.fetchFailure = null;
    if (failure) throw failure;
  }

  //> step 08 given
  /** A partition's leader is wrong or gone: remember to refresh the metadata, and keep the position. */
  private leaderLost(key: string, why: string): void {
    if (!this.leadersStale) this.log(`Looking for the new leader of ${key} in ${this.retryBackoffMs} ms: ${why}`);
    this.leadersStale = true;
  }

  /**
   * After a leader was lost: waits retryBackoffMs (the controller needs a moment to elect a new
   * one), then asks for fresh metadata. A refresh that fails for a retriable reason (no broker
   * answered) leaves the flag set, to try again on the next fetch.
   */
  private async refreshLeadersIfStale(): Promise<void> {
    if (!this.leadersStale || this.closed) return;
    await sleep(this.retryBackoffMs);
    try {
      await this.cluster.refreshMetadata(this.topics);
      this.leadersStale = false;
    } catch (error) {
      if (!isRetriable(error)) throw error;
      this.log(`Could not refresh the metadata: ${(error as Error).message}`);
    }
  }
  //<

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
    //> step 08 rewrites: the consumer follows a partition's leader when it moves
    if (fetched.error && isRetriableCode(fetched.error.code)) {
      // NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, a fenced epoch: ask the new leader, from the same position.
      this.leaderLost(key, `${fetched.error.code}: ${fetched.error.message}`);
      return;
    }
    if (fetched.error) throw new KafkaError(fetched.error.code, `fetching ${key}: ${fetched.error.message}`);
    for (const record of fetched.records) this.buffered.push({ topic: fetched.topic, partition: fetched.partition, record });
  }

  /**
   * Gives every partition without a position the one autoOffsetReset says, asking each leader. A
   * partition whose leader moved keeps no position for now; the next call asks its new leader.
   */
  private async resetPositions(): Promise<void> {
    await this.refreshLeadersIfStale();
    const missing = [...this.positions].filter(([, offset]) => offset === null).map(([key]) => this.partitions.get(key)!).map((tp) => ({ ...tp, leader: this.cluster.leaderOf(tp.topic, tp.partition) }));
    if (missing.length === 0) return;
    const timestamp = this.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const leader of new Set(missing.map((tp) => tp.leader))) {
      const asked = missing.filter((tp) => tp.leader === leader);
      if (leader === undefined) {
        for (const { topic, partition } of asked) this.leaderLost(keyOf(topic, partition), 'it has no leader right now');
        continue;
      }
      const partitions = asked.map(({ topic, partition }) => ({ topic, partition, timestamp }));
      let response;
      try {
        response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      } catch (error) {
        if (!isRetriable(error)) throw error;
        for (const { topic, partition } of partitions) this.leaderLost(keyOf(topic, partition), `asking broker ${leader} for offsets failed: ${(error as Error).message}`);
        continue;
      }
      for (const { topic, partition, offset, error } of response.partitions) {
        if (error && isRetriableCode(error.code)) {
          this.leaderLost(keyOf(topic, partition), `${error.code}: ${error.message}`);
          continue;
        }
        //<
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
      //> step 08 rewrites
      await this.autoCommitting;
      if (this.enableAutoCommit) await this.commitQuietly('closing', this.defaultApiTimeoutMs);
      //<
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

function keyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
