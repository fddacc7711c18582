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
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { KafkaError } from '../common/errors.ts';
import { Log } from '../storage/log.ts';
import type { TimestampOffset } from '../storage/time-index.ts';
import type { LogOptions } from '../storage/log-config.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type FetchRequest, type FetchResponse, type WireRecord } from '../protocol/index.ts';
import type { RecordWithOffset } from '../record/record-batch.ts';
import { readFromLog } from './read-from-log.ts';
import { validateTopicName } from '../common/topic-name.ts';
import { fromWire, recordBytes } from './wire-record.ts';

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
}

export class ReplicaManager {
  /** Each topic's partitions: one log on disk per partition, the index in the array is its number. */
  private readonly topics = new Map<string, Log[]>();
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Fetches waiting for records (long polling), woken by appends to their partitions. */
  private readonly purgatory = new FetchPurgatory();

  constructor(private readonly options: ReplicaManagerOptions) {}

  /** Reopens (and recovers) every partition on disk and starts retention; the broker calls it as it starts. */
  startup(): void {
    this.loadLogs();
    this.retentionTimer = setInterval(() => this.deleteOldSegments(), this.options.retentionCheckIntervalMs);
    this.retentionTimer.unref(); // retention alone should never keep the process alive
  }

  /** Every topic held here. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  /** A topic's partitions, created with `numPartitions` partitions the first time it is named. */
  partitionsOf(topic: string): Log[] {
    // The internal topic is created the first time a group needs it, with its own partition count.
    const partitions = topic === OFFSETS_TOPIC ? this.options.offsetsTopicNumPartitions : this.options.numPartitions;
    return this.topics.get(topic) ?? this.createTopic(topic, partitions);
  }

  /** Creates a topic's logs on disk. A bad name is refused before anything is created. */
  createTopic(topic: string, partitions: number): Log[] {
    validateTopicName(topic);
    const logs = Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition));
    this.topics.set(topic, logs);
    this.options.log(`Created topic "${topic}" with ${partitions} partition(s) in ${this.options.dataDir}`);
    return logs;
  }

  /** Reopens every partition found in dataDir: what a restarted broker already holds. */
  private loadLogs(): void {
    const { dataDir } = this.options;
    fs.mkdirSync(dataDir, { recursive: true });
    const found = new Map<string, number>();
    for (const entry of fs.readdirSync(dataDir, { withFileTypes: true })) {
      // The partition number is after the LAST dash: topic names may contain dashes themselves.
      const match = entry.isDirectory() ? /^(.+)-(\d+)$/.exec(entry.name) : null;
      if (!match) continue;
      const [, topic, partition] = match;
      found.set(topic!, Math.max(found.get(topic!) ?? 0, Number(partition) + 1));
    }
    for (const [topic, partitions] of found) {
      this.topics.set(topic, Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition)));
      this.options.log(`Loaded topic "${topic}" (${partitions} partition(s)) from ${dataDir}`);
    }
  }

  private openLog(topic: string, partition: number): Log {
    return Log.open(this.options.dataDir, topic, partition, { ...this.options.logOptions, log: (line) => this.options.log(`[${topic}-${partition}] ${line}`) });
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    let deleted = 0;
    for (const [topic, logs] of this.topics) {
      // Deleting old commits would make a quiet group forget where it was: Kafka compacts this
      // topic instead (keeping the latest commit per key), which this workshop does not do.
      if (topic === OFFSETS_TOPIC) continue;
      for (const log of logs) deleted += log.deleteOldSegments();
    }
    return deleted;
  }

  /** Stops retention and closes every log; the broker calls it as it stops. */
  shutdown(): void {
    this.purgatory.releaseAll(); // parked fetches answer now, their timers go
    clearInterval(this.retentionTimer ?? undefined);
    for (const logs of this.topics.values()) for (const log of logs) log.close();
    this.topics.clear();
  }

  /** Appends one batch of a produce request to its partition; returns the offset of its first record. */
  append(topic: string, partition: number, batch: WireRecord[]): number {
    // A batch of nothing would take no offset and leave no trace: Kafka refuses one whose record
    // count is 0 as INVALID_RECORD, and so does this broker.
    if (batch.length === 0) throw new KafkaError('INVALID_RECORD', `the batch for ${topic}-${partition} has no records; a batch needs at least one`);
    const target = this.partitionsOf(topic)[partition];
    if (!target) {
      const count = this.partitionsOf(topic).length;
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${topic}" has partitions 0 to ${count - 1}, not ${partition}`);
    }
    const records = batch.map(fromWire);
    const size = records.reduce((sum, record) => sum + recordBytes(record), 0);
    if (size > this.options.messageMaxBytes) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `a batch of ${size} bytes is over messageMaxBytes (${this.options.messageMaxBytes}); send smaller batches or raise the limit`);
    }
    const baseOffset = target.append(records);
    // Fetches parked on this partition (long polling) can now be answered.
    this.purgatory.appended(topic, partition);
    return baseOffset;
  }

  /** The log of a partition a client reads; UNKNOWN_TOPIC_OR_PARTITION when there is none (reading creates no topic). */
  private logToRead(topic: string, partition: number): Log {
    const logs = this.topics.get(topic);
    if (!logs) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `there is no topic "${topic}"; produce to it or create it first`);
    const log = logs[partition];
    if (!log) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic "${topic}" has partitions 0 to ${logs.length - 1}, not ${partition}`);
    return log;
  }

  /**
   * Kafka's ListOffsets for one partition: where it starts (earliest, -2), where it ends (latest,
   * -1), or its first record at or after a time. A sentinel's answer has timestamp -1, and so has
   * offset -1, the answer when no record is that late.
   */
  listOffset(topic: string, partition: number, timestamp: number): TimestampOffset {
    const log = this.logToRead(topic, partition);
    if (timestamp === EARLIEST_TIMESTAMP) return { offset: log.logStartOffset, timestamp: -1 };
    if (timestamp === LATEST_TIMESTAMP) return { offset: log.logEndOffset, timestamp: -1 };
    return log.offsetForTimestamp(timestamp) ?? { offset: -1, timestamp: -1 };
  }

  /**
   * Answers a fetch at once when it has minBytes (or an error) to give; otherwise parks it until
   * an append to one of its partitions, or maxWaitMs, or the broker stops or its client goes
   * (long polling).
   */
  async fetch(request: FetchRequest, clientGone?: AbortSignal): Promise<FetchResponse> {
    const deadline = Date.now() + request.maxWaitMs;
    // However much a client asks for, one answer carries at most fetchMaxBytes of records.
    const maxBytes = Math.min(request.maxBytes, this.options.fetchMaxBytes);
    for (;;) {
      const { response, bytes } = readFromLog(request, maxBytes, (topic, partition) => this.logToRead(topic, partition));
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
    const log = this.topics.get(topic)?.[partition];
    if (!log) return [];
    return log.readRecords(offset);
  }

  /** Wakes the fetches parked on a partition that something else appended to (the offsets store). */
  appended(topic: string, partition: number): void {
    this.purgatory.appended(topic, partition);
  }
}
