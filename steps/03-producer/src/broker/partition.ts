// A partition, as the broker keeps it at this step: an in-memory, append-only list of records.
//
// The position of a record in the list is its offset: the broker, not the producer, assigns it,
// so every record of a partition has its own number, in the order the broker received them.
// Step 04 moves this list to segment files on disk; the idea stays the same.

/** A record as the broker stores it. */
export interface RecordWithOffset {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

export class Partition {
  private readonly records: RecordWithOffset[] = [];

  constructor(
    readonly topic: string,
    readonly index: number,
  ) {}

  /** The offset the next record will get (Kafka calls it the log end offset). */
  get nextOffset(): number {
    return this.records.length;
  }

  /** Appends a batch; its records get consecutive offsets. Returns the first one (the base offset). */
  append(records: Array<Omit<RecordWithOffset, 'offset'>>): number {
    throw new Error('TODO(step 03, task 5): Partition.append — give the records consecutive offsets after the last one and keep them');
  }

  /** The records from `offset` on (what a consumer will fetch in step 05). */
  read(offset = 0): RecordWithOffset[] {
    return this.records.slice(offset);
  }
}
