// The consumer's settings, with Kafka's names and defaults (Kafka's ConsumerConfig).
import type { Deserializer } from './deserializers.ts';
import type { PartitionAssignor } from './partition-assignor.ts';
import { INT32_MAX } from '../protocol/index.ts';
import { RETRY_DEFAULTS } from './retry.ts';

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
  /** How long to wait before asking again after a leader or coordinator moved; Kafka's `retry.backoff.ms` (100). */
  retryBackoffMs?: number;
  /** How long commit() and position() keep retrying through a leader or coordinator move; Kafka's `default.api.timeout.ms` (60 000). */
  defaultApiTimeoutMs?: number;
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
  retryBackoffMs: RETRY_DEFAULTS.retryBackoffMs,
  defaultApiTimeoutMs: RETRY_DEFAULTS.defaultApiTimeoutMs,
} as const;

/** The longest timeout a timer (and Kafka's int32 fields) can hold: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMEOUT_MS = INT32_MAX;
