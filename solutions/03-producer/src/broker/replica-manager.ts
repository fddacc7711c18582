// The partitions this broker holds, and everything done to their records: Kafka's ReplicaManager
// (with its LogManager). The Broker receives requests and answers them; creating topics,
// appending, reading, and in later steps the logs on disk and their retention (step 04), the
// fetches waiting for records (step 05) and each replica's log end offset, high watermark and
// in-sync replicas (step 07) happen here.
//
// A partition this manager cannot serve is refused with a KafkaError; the broker turns it into
// that partition's error in its answer (errorBody in errors.ts), so one bad partition spoils no
// other.
import { KafkaError } from '../common/errors.ts';
import { Partition, type RecordWithOffset } from './partition.ts';
import type { WireRecord } from '../protocol/index.ts';
import { fromWire, recordBytes } from './wire-record.ts';

export interface ReplicaManagerOptions {
  /** Partitions of a topic created on first use; Kafka's `num.partitions`. */
  numPartitions: number;
  /** The largest batch accepted, in bytes of keys, values and headers (Kafka's `message.max.bytes` counts the batch as sent: see broker.ts). */
  messageMaxBytes: number;
  log: (line: string) => void;
}

export class ReplicaManager {
  /** Each topic's partitions, in memory at this step (step 04 moves them to disk). */
  private readonly topics = new Map<string, Partition[]>();

  constructor(private readonly options: ReplicaManagerOptions) {}

  /** Every topic held here. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** A topic's partitions, created with `numPartitions` partitions the first time it is named. */
  partitionsOf(topic: string): Partition[] {
    let partitions = this.topics.get(topic);
    if (!partitions) {
      const { numPartitions } = this.options;
      partitions = Array.from({ length: numPartitions }, (_, index) => new Partition(topic, index));
      this.topics.set(topic, partitions);
      this.options.log(`Created topic "${topic}" with ${numPartitions} partition(s)`);
    }
    return partitions;
  }

  /** Appends one batch of a produce request to its partition; returns the offset of its first record. */
  append(topic: string, partition: number, batch: WireRecord[]): number {
    // A batch of nothing would take no offset and leave no trace: Kafka refuses one whose record
    // count is 0 as INVALID_RECORD, and so does this broker.
    if (batch.length === 0) throw new KafkaError('INVALID_RECORD', `the batch for ${topic}-${partition} has no records; a batch needs at least one`);
    //> step 03 task 5: ReplicaManager.append — refuse an unknown partition or an oversized batch with a KafkaError, else append the decoded records and return the base offset
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
    //<
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    return this.topics.get(topic)?.[partition]?.read(offset) ?? [];
  }
}
