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
//> step 08 given
//
// From step 08 a batch may be sent more than once: the producer retries it when its leader moved
// (see producer.ts). Two rules keep that safe:
//   - ONE BATCH IN FLIGHT PER PARTITION. The next batch of a partition waits until the one before
//     it has its final answer. Otherwise batch 1 could fail, batch 2 succeed, and batch 1's retry
//     land after batch 2: the partition would hold the records out of order. (Kafka's
//     `max.in.flight.requests.per.connection=1` gives the same guarantee; its idempotent producer
//     allows 5 in flight by numbering batches.) Batches still close at batchSize and wait their
//     turn; the price is that the producer and the broker no longer work at the same time for
//     one partition (about a fifth of the throughput on a 2-core machine).
//   - A DEADLINE. A batch that is not delivered `deliveryTimeoutMs` after it was created fails
//     with the last error it got (Kafka's `delivery.timeout.ms`), whether it is waiting its
//     turn, in flight, or between two retries.
import { KafkaError } from '../common/errors.ts';
import type { RecordMetadata } from './record-metadata.ts';
import { gaveUp } from './retry.ts';
//<

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
  //> step 08 given
  /** When its first record was appended: the delivery timeout counts from here. */
  readonly createdAt = Date.now();
  /** How many times it was sent to a broker (more than 1 after retries). */
  attempts = 0;
  /** What went wrong the last time it was sent; the error it fails with if time runs out. */
  lastError: Error | null = null;
  private readonly callbacks: Array<{ resolve: (meta: RecordMetadata) => void; reject: (error: Error) => void }> = [];
  private done = false;
  private expiry: NodeJS.Timeout | undefined;
  private settle!: () => void;
  /** Resolves once the batch is completed or failed (never rejects): what flush() waits for. */
  readonly settled = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** True once it completed or failed: an answer arriving later (after it expired) changes nothing. */
  get isDone(): boolean {
    return this.done;
  }

  /** Fails the batch if it is still not delivered `ms` from its creation: Kafka's `delivery.timeout.ms`. */
  expireAfter(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.expiry = setTimeout(() => {
      const why = `${this.topic}-${this.partition} was not delivered within deliveryTimeoutMs (${ms} ms)`;
      if (this.lastError) this.fail(gaveUp(this.lastError, this.attempts, why));
      else this.fail(new KafkaError('REQUEST_TIMED_OUT', `${why}${this.attempts > 0 ? ': the broker never answered' : ''}`));
    }, Math.max(0, this.createdAt + ms - Date.now()));
  }

  /** Adds a record; the promise settles when the whole batch does. */
  add(record: SerializedRecord, size: number): Promise<RecordMetadata> {
    this.records.push(record);
    this.sizeInBytes += size;
    return new Promise((resolve, reject) => this.callbacks.push({ resolve, reject }));
  }

  /** The broker stored the batch: record i got offset `baseOffset + i`. */
  complete(baseOffset: number): void {
    if (!this.finish()) return;
    this.callbacks.forEach(({ resolve }, i) =>
      resolve({ topic: this.topic, partition: this.partition, offset: baseOffset < 0 ? -1 : baseOffset + i, timestamp: this.records[i]!.timestamp }),
    );
    this.settle();
  }

  /** The batch failed: every record in it fails with this error, and no other record does. */
  fail(error: Error): void {
    if (!this.finish()) return;
    for (const { reject } of this.callbacks) reject(error);
    this.settle();
  }

  /** Marks the batch done; false if it already was (each batch settles once). */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.expiry);
    return true;
  }
  //<
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
  //> step 08 rewrites: one batch in flight per partition, with a delivery deadline, so retries keep the order
  /** Fail a batch not delivered this long after its first record. Kafka's `delivery.timeout.ms`; no limit by default here (the producer sets 120 000). */
  deliveryTimeoutMs?: number;
  send: SendBatches;
}

export class RecordAccumulator {
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly deliveryTimeoutMs: number;
  private readonly send: SendBatches;
  /** The open batch of each partition ("topic-partition"), with its linger timer. */
  private readonly open = new Map<string, { batch: ProducerBatch; timer: NodeJS.Timeout }>();
  /** Closed batches of each partition waiting for the one in flight before them, oldest first. */
  private readonly queued = new Map<string, ProducerBatch[]>();
  /** The one batch of each partition handed to the sender and not settled yet. */
  private readonly inFlight = new Map<string, ProducerBatch>();

  constructor(options: RecordAccumulatorOptions) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? Infinity;
    //<
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
      //> step 08 given
      batch.expireAfter(this.deliveryTimeoutMs);
      //<
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
  //> step 08 rewrites
  /** Closes these batches; each goes to the sender as soon as its partition has none in flight. */
  private ready(batches: ProducerBatch[]): void {
    for (const batch of batches) {
      const id = `${batch.topic}-${batch.partition}`;
      clearTimeout(this.open.get(id)?.timer);
      this.open.delete(id);
      this.queued.set(id, [...(this.queued.get(id) ?? []), batch]);
    }
    this.drain();
  }

  /** Hands the sender the oldest waiting batch of every partition that has nothing in flight, together. */
  private drain(): void {
    const sendable: ProducerBatch[] = [];
    for (const [id, waiting] of this.queued) {
      if (this.inFlight.has(id)) continue; // its turn comes when the batch in flight settles
      let batch = waiting.shift();
      while (batch?.isDone) batch = waiting.shift(); // expired while it waited: nothing to send
      if (waiting.length === 0) this.queued.delete(id);
      if (!batch) continue;
      this.inFlight.set(id, batch);
      void batch.settled.then(() => {
        this.inFlight.delete(id);
        this.drain(); // the partition's next batch may go now
      });
      sendable.push(batch);
    }
    if (sendable.length === 0) return;
    try {
      this.send(sendable);
    } catch (error) {
      // A sender that throws must not strand the records: their sends fail with its error.
      for (const batch of sendable) batch.fail(error as Error);
    }
  }
  // #endregion ready

  /** Sends every open batch now and resolves when every batch made so far has its answer. */
  async flush(): Promise<void> {
    this.ready([...this.open.values()].map(({ batch }) => batch));
    const pending = [...this.inFlight.values(), ...[...this.queued.values()].flat()];
    await Promise.all(pending.map((batch) => batch.settled));
    //<
  }

  /** How many records wait in open batches (not yet handed to the sender). */
  get waiting(): number {
    let count = 0;
    for (const { batch } of this.open.values()) count += batch.records.length;
    return count;
  }
}
