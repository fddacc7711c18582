// Which partition does a record go to?
//
// The producer decides, not the broker: it knows how many partitions the topic has (from the
// metadata) and picks one per record, in this order:
//   1. the record names a partition: that one, no questions asked (KafkaProducer.send does this);
//   2. the record has a key: hash the key's bytes with murmur2, so the same key always lands on
//      the same partition, and so keeps its order;
//   3. no key: stick to one partition until about a batch worth of bytes went there, then move
//      on. Kafka does this since 2.4 (KIP-480, refined in 3.3 by KIP-794): fewer, fuller batches
//      than sending record 1 to partition 0, record 2 to partition 1, and so on.
import { murmur2, toPositive } from './murmur2.ts';

/** What a partitioner sees of a record, after serialization. */
export interface PartitionerInput {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** How many partitions the topic has (from the metadata); answer in [0, numPartitions). */
  numPartitions: number;
}

/**
 * A partitioner is a plain function. Pass your own as the producer's `partitioner` option
 * (Kafka's `partitioner.class`); it is called for every record that does not name a partition.
 */
export type Partitioner = (input: PartitionerInput) => number;

/** The partition of a keyed record: Kafka's `BuiltInPartitioner.partitionForKey`. */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  //> step 03 task 2: partitionForKey — murmur2 of the key bytes, made positive with toPositive, modulo the partition count
  return toPositive(murmur2(keyBytes)) % numPartitions;
  //<
}

/**
 * For records without a key: one partition per topic until `stickyBytes` went to it, then
 * another one, picked at random among the others.
 */
export class StickyPartitioner {
  private readonly current = new Map<string, { partition: number; bytes: number }>();

  constructor(
    /** How many bytes to send to a partition before moving on; the producer uses its batchSize. */
    private readonly stickyBytes: number,
    /** Random numbers in [0, 1); a test can pass its own to make the choice predictable. */
    private readonly random: () => number = Math.random,
  ) {}

  partition(topic: string, numPartitions: number, recordBytes: number): number {
    //> step 03 task 2: StickyPartitioner.partition — keep the topic's partition until stickyBytes went to it, then switch to another
    let sticky = this.current.get(topic);
    if (!sticky || sticky.bytes >= this.stickyBytes) {
      sticky = { partition: this.another(sticky?.partition, numPartitions), bytes: 0 };
      this.current.set(topic, sticky);
    }
    sticky.bytes += recordBytes;
    return sticky.partition;
    //<
  }

  /** A random partition, never `previous` when there is any other to choose. */
  private another(previous: number | undefined, numPartitions: number): number {
    if (previous === undefined || numPartitions < 2) return Math.floor(this.random() * numPartitions);
    const step = 1 + Math.floor(this.random() * (numPartitions - 1));
    return (previous + step) % numPartitions;
  }
}

/** Kafka's default: murmur2 for keyed records, sticky for the others. */
export function defaultPartitioner(options: { batchSize?: number; random?: () => number } = {}): Partitioner {
  const sticky = new StickyPartitioner(options.batchSize ?? 16_384, options.random);
  return ({ topic, key, value, numPartitions }) =>
    key === null ? sticky.partition(topic, numPartitions, value?.length ?? 0) : partitionForKey(key, numPartitions);
}
