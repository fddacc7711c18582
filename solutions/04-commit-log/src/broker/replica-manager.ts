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
import { KafkaError } from '../common/errors.ts';
import { Log } from '../storage/log.ts';
import type { LogOptions } from '../storage/log-config.ts';
import type { WireRecord } from '../protocol/index.ts';
import { recordsFrom, type RecordWithOffset } from '../record/record-batch.ts';
import { validateTopicName } from '../common/topic-name.ts';
import { fromWire, recordBytes } from './wire-record.ts';

export interface ReplicaManagerOptions {
  /** Partitions of a topic created on first use; Kafka's `num.partitions`. */
  numPartitions: number;
  /** The largest batch accepted, in bytes of keys, values and headers (Kafka's `message.max.bytes` counts the batch as sent: see broker.ts). */
  messageMaxBytes: number;
  log: (line: string) => void;
  //> step 04 rewrites: partitions move from memory to a log on disk
  /** Where the logs live: one folder per partition, `dataDir/<topic>-<partition>/`; Kafka's `log.dirs`. */
  dataDir: string;
  /** Segment size, retention and flushing of every partition's log (see log.ts for Kafka's names). */
  logOptions: Omit<LogOptions, 'log'>;
  /** How often retention runs; Kafka's `log.retention.check.interval.ms` (5 minutes). */
  retentionCheckIntervalMs: number;
}

export class ReplicaManager {
  /** Each topic's partitions: one log on disk per partition, the index in the array is its number. */
  private readonly topics = new Map<string, Log[]>();
  private retentionTimer: NodeJS.Timeout | null = null;

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
    return this.topics.get(topic) ?? this.createTopic(topic, this.options.numPartitions);
  }

  /** Creates a topic's logs on disk. A bad name is refused before anything is created. */
  createTopic(topic: string, partitions: number): Log[] {
  //<
    //> step 04 task 7: ReplicaManager.createTopic — check the name, open one Log per partition under dataDir, remember them, and log it
    validateTopicName(topic);
    const logs = Array.from({ length: partitions }, (_, partition) => this.openLog(topic, partition));
    this.topics.set(topic, logs);
    this.options.log(`Created topic "${topic}" with ${partitions} partition(s) in ${this.options.dataDir}`);
    return logs;
    //<
  //> step 04 given
  }

  /** Reopens every partition found in dataDir: what a restarted broker already holds. */
  private loadLogs(): void {
  //<
    //> step 04 task 7: ReplicaManager.loadLogs — find the <topic>-<partition> folders in dataDir and open their logs (recovery happens in Log.open)
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
    //<
  //> step 04 given
  }

  private openLog(topic: string, partition: number): Log {
    return Log.open(this.options.dataDir, topic, partition, { ...this.options.logOptions, log: (line) => this.options.log(`[${topic}-${partition}] ${line}`) });
  }

  /** Applies retention to every log (on a timer; tests and demos may call it directly). */
  deleteOldSegments(): number {
    let deleted = 0;
    for (const logs of this.topics.values()) for (const log of logs) deleted += log.deleteOldSegments();
    return deleted;
  }

  /** Stops retention and closes every log; the broker calls it as it stops. */
  shutdown(): void {
    clearInterval(this.retentionTimer ?? undefined);
    for (const logs of this.topics.values()) for (const log of logs) log.close();
    this.topics.clear();
  }
  //<

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
    return target.append(records);
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    //> step 04 rewrites: a log on disk hands back batches, so records() reads them one after another
    const log = this.topics.get(topic)?.[partition];
    if (!log) return [];
    const records: RecordWithOffset[] = [];
    let next = offset;
    while (next < log.logEndOffset) {
      const read = recordsFrom(log.read(next), next);
      if (read.length === 0) break;
      records.push(...read);
      next = read.at(-1)!.offset + 1;
    }
    return records;
    //<
  }
}
