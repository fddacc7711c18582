// The consumer's settings, with Kafka's names and defaults (Kafka's ConsumerConfig).
import type { Deserializer } from './deserializers.ts';

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
}

export const CONSUMER_DEFAULTS = {
  autoOffsetReset: 'latest',
  consumerTimeoutMs: Infinity,
  fetchMaxWaitMs: 500,
  fetchMinBytes: 1,
  maxPartitionFetchBytes: 1_048_576,
  /** Bytes per fetch response over all partitions; Kafka's `fetch.max.bytes` (50 MiB). */
  fetchMaxBytes: 52_428_800,
} as const;
