// The record accumulator: where send() leaves records, so that they travel in batches.
//
// Sending every record in its own request (the Recurse Center blog post's producer connects anew for each message)
// spends most of the time on round trips. Kafka's producer instead appends each record to the
// open batch of its partition and sends a batch when either
//   - it is full: adding the next record would take it past `batchSize` bytes (`batch.size`), or
//   - it has waited `lingerMs` since its first record (`linger.ms`), so a quiet producer still
//     delivers quickly.
// send() returns at once with a promise; the promise settles when the broker answers for the
// batch the record travelled in: resolved with the record's offset, or rejected with the error
// that batch got. Exactly that batch's records, no more, no fewer.
import type { RecordMetadata } from './record-metadata.ts';

/** A record as it travels: bytes, a timestamp (ms since the epoch) and headers. */
export interface SerializedRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** Kafka's `batch.size` default. */
export const DEFAULT_BATCH_SIZE = 16_384;
/**
 * Kafka's `linger.ms` default since 4.0 (KIP-1030; it was 0 before). A few milliseconds cost
 * little latency and let a busy producer fill batches.
 */
export const DEFAULT_LINGER_MS = 5;

/** The bytes a record adds to its batch: its key, value and headers. */
export function recordSize(record: SerializedRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

/** The records bound for one partition that travel together, with the promises of their sends. */
export class ProducerBatch {
  readonly records: SerializedRecord[] = [];
  sizeInBytes = 0;
  private readonly callbacks: Array<{ resolve: (meta: RecordMetadata) => void; reject: (error: Error) => void }> = [];
  private settle!: () => void;
  /** Resolves once the batch is completed or failed (never rejects): what flush() waits for. */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Adds a record; the promise settles when the whole batch does. */
  add(record: SerializedRecord, size: number): Promise<RecordMetadata> {
    this.records.push(record);
    this.sizeInBytes += size;
    return new Promise((resolve, reject) => this.callbacks.push({ resolve, reject }));
  }

  /** The broker stored the batch: record i got offset `baseOffset + i`. */
  complete(baseOffset: number): void {
    this.callbacks.forEach(({ resolve }, i) =>
      resolve({ topic: this.topic, partition: this.partition, offset: baseOffset + i, timestamp: this.records[i]!.timestamp }),
    );
    this.settle();
  }

  /** The batch failed: every record in it fails with this error, and no other record does. */
  fail(error: Error): void {
    for (const { reject } of this.callbacks) reject(error);
    this.settle();
  }
}

/**
 * Hands ready batches to whoever sends them (the producer's sender). It must eventually call
 * `complete` or `fail` on every batch it is given.
 */
export type SendBatches = (batches: ProducerBatch[]) => void;

export interface RecordAccumulatorOptions {
  /** Close a partition's batch when it reaches this many bytes. Kafka's `batch.size`. */
  batchSize?: number;
  /** Send a batch at the latest this long after its first record. Kafka's `linger.ms`. */
  lingerMs?: number;
  send: SendBatches;
}

export class RecordAccumulator {
  readonly batchSize: number;
  readonly lingerMs: number;
  private readonly send: SendBatches;
  /** The open batch of each partition ("topic-partition"), with its linger timer. */
  private readonly open = new Map<string, { batch: ProducerBatch; timer: NodeJS.Timeout }>();
  /** Batches handed to the sender and not settled yet. */
  private readonly inFlight = new Set<ProducerBatch>();

  constructor(options: RecordAccumulatorOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.send = options.send;
  }

  /** Adds a record to its partition's open batch; the promise settles when that batch does. */
  append(topic: string, partition: number, record: SerializedRecord): Promise<RecordMetadata> {
    const id = `${topic}-${partition}`;
    const size = recordSize(record);
    let entry = this.open.get(id);
    // A record that does not fit closes the open batch, which goes now; the record starts the next.
    if (entry && entry.batch.sizeInBytes + size > this.batchSize) {
      this.ready([entry.batch]);
      entry = undefined;
    }
    if (!entry) {
      const batch = new ProducerBatch(topic, partition);
      // The clock starts with the batch's first record: no batch waits longer than lingerMs.
      entry = { batch, timer: setTimeout(() => this.ready([batch]), this.lingerMs) };
      this.open.set(id, entry);
    }
    const sent = entry.batch.add(record, size);
    // Full to the byte (or one record bigger than batchSize on its own): no reason to wait.
    if (entry.batch.sizeInBytes >= this.batchSize) this.ready([entry.batch]);
    return sent;
  }

  // #region ready
  /** Closes these batches and hands them to the sender together. */
  private ready(batches: ProducerBatch[]): void {
    for (const batch of batches) {
      const id = `${batch.topic}-${batch.partition}`;
      clearTimeout(this.open.get(id)?.timer);
      this.open.delete(id);
      this.inFlight.add(batch);
      void batch.settled.then(() => this.inFlight.delete(batch));
    }
    if (batches.length === 0) return;
    try {
      this.send(batches);
    } catch (error) {
      // A sender that throws must not strand the records: their sends fail with its error.
      for (const batch of batches) batch.fail(error as Error);
    }
  }
  // #endregion ready

  /** Sends every open batch now and resolves when every batch sent so far has its answer. */
  async flush(): Promise<void> {
    this.ready([...this.open.values()].map(({ batch }) => batch));
    await Promise.all([...this.inFlight].map((batch) => batch.settled));
  }

  /** How many records wait in open batches (not yet handed to the sender). */
  get waiting(): number {
    let count = 0;
    for (const { batch } of this.open.values()) count += batch.records.length;
    return count;
  }
}
