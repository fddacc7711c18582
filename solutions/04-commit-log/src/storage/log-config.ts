// A log's settings, with Kafka's names and defaults (Kafka's LogConfig): how big a segment grows,
// how long and how much the log keeps, when it forces its bytes to disk.
export interface LogOptions {
  /** Size at which the active segment is rolled; Kafka's `segment.bytes`, default 1 GiB. */
  segmentBytes?: number;
  /** Kafka's `index.interval.bytes`, default 4096 (see offset-index.ts). */
  indexIntervalBytes?: number;
  /** Keep at most about this many bytes; Kafka's `retention.bytes`, default -1 = no limit. */
  retentionBytes?: number;
  /** Delete segments whose newest record is older than this; Kafka's `retention.ms`, default 7 days (-1 = forever). */
  retentionMs?: number;
  /** fsync after this many messages; Kafka's `flush.messages`, default Infinity (never, see below). */
  flushMessages?: number;
  /** fsync when this long has passed since the last fsync; Kafka's `flush.ms`, default Infinity. */
  flushMs?: number;
  /** The clock, in ms since the epoch; tests pass their own to make time pass without waiting. */
  now?: () => number;
  /** Where to print what the log does (recovery, rolls, deletions); silent unless given. */
  log?: (line: string) => void;
}

// Durability, and why the default is to never call fsync.
//
// When write() returns, the bytes are in the operating system's page cache, not yet on the disk.
// If the broker process crashes (even kill -9), nothing is lost: the kernel still writes them
// out. Only a crash of the whole machine (power cut, kernel panic) loses the last few seconds.
// fsync closes that gap but costs a disk round trip on every call. Kafka's defaults
// (flush.messages and flush.ms = Long.MAX_VALUE) deliberately leave flushing to the OS and rely
// on REPLICATION instead: a record acknowledged with acks=all is on several machines, and losing
// all of them at once is far less likely than one power cut. This workshop keeps Kafka's
// defaults; until replication arrives in step 07, set flushMessages: 1 if a single machine must
// survive a power cut. The log does fsync a segment when rolling it, see roll().
export const LOG_DEFAULTS = {
  segmentBytes: 1024 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionBytes: -1,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  flushMessages: Infinity,
  flushMs: Infinity,
} as const;
