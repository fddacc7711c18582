// A record batch: the unit the log writes, checks and reads back.
//
// The broker never stores records one by one. It writes the batch a producer sent, with one
// header in front: where the batch starts (its base offset), how long it is, and a checksum of
// the rest. That header is what lets the log find batches in a file, skip the ones a reader does
// not want, and, after a crash, tell a whole batch from a torn or damaged one.
//
// The layout follows Kafka's record batch v2, minus the fields later steps do not need
// (partition leader epoch, magic, attributes, producer id/epoch/sequence). All numbers are
// big-endian. Kafka writes record fields as varints and deltas to save bytes; here they have
// fixed widths so that a hexdump of a segment is easy to read.
//
//   offset  size  field
//        0     8  baseOffset       the offset of the first record
//        8     4  batchLength      bytes that follow this field
//       12     4  crc              CRC-32C of every byte after this field
//       16     4  lastOffsetDelta  offset of the last record minus baseOffset
//       20     8  firstTimestamp
//       28     8  maxTimestamp
//       36     4  recordCount
//       40        records, each: timestamp int64, key, value, header count int32, then per
//                 header: key (string as bytes), value. Bytes are an int32 length (-1 = null)
//                 followed by that many bytes.
//
// The CRC does not cover baseOffset and batchLength, exactly as in Kafka: the broker assigns
// offsets by rewriting the first 8 bytes of a batch a producer sent, without recomputing the CRC.
import { crc32c } from './crc32c.ts';
import { KafkaError } from '../common/errors.ts';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** A record as a producer sends it: the log gives it an offset. */
export interface LogRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: RecordHeader[];
}

/** A record read back from the log, with the offset the log gave it. */
export interface RecordWithOffset extends LogRecord {
  offset: number;
}

export interface RecordBatch {
  baseOffset: number;
  /** Offset of the last record minus baseOffset: recordCount - 1 in this log. */
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  records: LogRecord[];
}

// Where each header field sits, counted from the start of the batch.
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const CRC = 12;
const LAST_OFFSET_DELTA = 16;
const FIRST_TIMESTAMP = 20;
const MAX_TIMESTAMP = 28;
const RECORD_COUNT = 36;
/** Bytes before the first record. */
export const BATCH_HEADER_SIZE = 40;
/** baseOffset + batchLength: what must be read to know how big a batch is (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD = 12;

/** A batch whose bytes do not make sense: Kafka's CORRUPT_MESSAGE. */
export class CorruptRecordError extends KafkaError {
  constructor(message: string) {
    super('CORRUPT_MESSAGE', message);
    this.name = 'CorruptRecordError';
  }
}

//> step 04 given
// Small helpers that turn numbers and nullable bytes into buffers and back.
function int32(n: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(n);
  return buffer;
}

function int64(n: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(n));
  return buffer;
}

function nullableBytes(bytes: Buffer | null): Buffer[] {
  return bytes === null ? [int32(-1)] : [int32(bytes.length), bytes];
}

function encodeRecord(record: LogRecord): Buffer {
  return Buffer.concat([
    int64(record.timestamp),
    ...nullableBytes(record.key),
    ...nullableBytes(record.value),
    int32(record.headers.length),
    ...record.headers.flatMap((header) => [...nullableBytes(Buffer.from(header.key, 'utf8')), ...nullableBytes(header.value)]),
  ]);
}

/** Reads fields one after the other, refusing to read past `end`. */
class FieldReader {
  constructor(
    private readonly buffer: Buffer,
    private position: number,
    private readonly end: number,
  ) {}

  private take(size: number, what: string): number {
    if (size < 0 || this.position + size > this.end) {
      throw new CorruptRecordError(`${what} runs past the end of the batch (needs ${size} bytes at position ${this.position}, the batch ends at ${this.end})`);
    }
    const at = this.position;
    this.position += size;
    return at;
  }

  int32(what: string): number {
    return this.buffer.readInt32BE(this.take(4, what));
  }

  int64(what: string): number {
    return Number(this.buffer.readBigInt64BE(this.take(8, what)));
  }

  nullableBytes(what: string): Buffer | null {
    const length = this.int32(`the length of ${what}`);
    if (length === -1) return null;
    const at = this.take(length, what);
    // A copy, so a record read back does not keep a whole segment's buffer alive.
    return Buffer.from(this.buffer.subarray(at, at + length));
  }

  get atEnd(): boolean {
    return this.position === this.end;
  }
}

function decodeRecord(reader: FieldReader, index: number): LogRecord {
  const timestamp = reader.int64(`record ${index}'s timestamp`);
  const key = reader.nullableBytes(`record ${index}'s key`);
  const value = reader.nullableBytes(`record ${index}'s value`);
  const headerCount = reader.int32(`record ${index}'s header count`);
  const headers: RecordHeader[] = [];
  for (let h = 0; h < headerCount; h++) {
    const headerKey = reader.nullableBytes(`record ${index}'s header ${h} key`);
    if (headerKey === null) throw new CorruptRecordError(`record ${index}'s header ${h} has a null key`);
    headers.push({ key: headerKey.toString('utf8'), value: reader.nullableBytes(`record ${index}'s header ${h} value`) });
  }
  return { timestamp, key, value, headers };
}
//<

/** The fields in front of the records, read without checking anything. */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  crc: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  recordCount: number;
}

export function readBatchHeader(buffer: Buffer, position = 0): BatchHeader {
  return {
    baseOffset: Number(buffer.readBigInt64BE(position + BASE_OFFSET)),
    batchLength: buffer.readInt32BE(position + BATCH_LENGTH),
    crc: buffer.readUInt32BE(position + CRC),
    lastOffsetDelta: buffer.readInt32BE(position + LAST_OFFSET_DELTA),
    firstTimestamp: Number(buffer.readBigInt64BE(position + FIRST_TIMESTAMP)),
    maxTimestamp: Number(buffer.readBigInt64BE(position + MAX_TIMESTAMP)),
    recordCount: buffer.readInt32BE(position + RECORD_COUNT),
  };
}

/** The bytes of one batch holding `records`, the first of which gets offset `baseOffset`. */
// #region encode
export function encodeBatch(baseOffset: number, records: LogRecord[]): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  //> step 04 task 2: encodeBatch — write the header fields, the encoded records after them, then the CRC-32C of everything after the crc field
  const body = Buffer.concat(records.map(encodeRecord));
  const batch = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  const timestamps = records.map((record) => record.timestamp);
  batch.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH);
  batch.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA);
  batch.writeBigInt64BE(BigInt(timestamps[0]!), FIRST_TIMESTAMP);
  batch.writeBigInt64BE(BigInt(Math.max(...timestamps)), MAX_TIMESTAMP);
  batch.writeInt32BE(records.length, RECORD_COUNT);
  body.copy(batch, BATCH_HEADER_SIZE);
  // The CRC goes in last: it covers every byte after its own field, so they must all be final.
  batch.writeUInt32BE(crc32c(batch.subarray(LAST_OFFSET_DELTA)), CRC);
  return batch;
  //<
}
// #endregion encode

/** What `readBatchAt` found at a position. */
export type BatchAt =
  /** A whole batch whose checksum matches; the next batch starts `size` bytes further on. */
  | { kind: 'batch'; batch: RecordBatch; size: number }
  /** Nothing: the position is the end of the buffer. */
  | { kind: 'end' }
  /** The start of a batch whose end is missing: a write cut short, typically by a crash. */
  | { kind: 'torn'; reason: string }
  /** All the bytes are there but they are not a valid batch: a flipped bit, garbage, a bug. */
  | { kind: 'corrupt'; reason: string };

/** Looks at the batch starting at `position` and tells whether it is whole and valid. */
export function readBatchAt(buffer: Buffer, position: number): BatchAt {
  const available = buffer.length - position;
  if (available === 0) return { kind: 'end' };
  //> step 04 task 2: readBatchAt — tell a whole valid batch from a torn one (too few bytes) and a corrupt one (bad length or CRC), then decode it
  if (available < LOG_OVERHEAD) {
    return { kind: 'torn', reason: `only ${available} bytes left, fewer than the ${LOG_OVERHEAD} that start every batch` };
  }
  // #region read-batch-at
  // The first 12 bytes say where the batch claims to end; only then can the rest be checked.
  const baseOffset = Number(buffer.readBigInt64BE(position + BASE_OFFSET));
  const batchLength = buffer.readInt32BE(position + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    return { kind: 'corrupt', reason: `batch length ${batchLength} is smaller than a batch header` };
  }
  const size = LOG_OVERHEAD + batchLength;
  if (available < size) {
    return { kind: 'torn', reason: `the batch at offset ${baseOffset} needs ${size} bytes but only ${available} are there` };
  }
  const { crc, lastOffsetDelta, firstTimestamp, maxTimestamp, recordCount } = readBatchHeader(buffer, position);
  const computed = crc32c(buffer.subarray(position + LAST_OFFSET_DELTA, position + size));
  if (computed !== crc) {
    return { kind: 'corrupt', reason: `checksum mismatch in the batch at offset ${baseOffset}: stored ${hex(crc)}, computed ${hex(computed)}` };
  }
  // #endregion read-batch-at
  if (recordCount < 1 || lastOffsetDelta !== recordCount - 1) {
    return { kind: 'corrupt', reason: `the batch at offset ${baseOffset} says ${recordCount} records but lastOffsetDelta ${lastOffsetDelta}` };
  }
  // The checksum matched, so these bytes are what was written; decoding can still fail if what
  // was written was wrong (a bug), and that must not crash whoever is reading.
  try {
    const reader = new FieldReader(buffer, position + BATCH_HEADER_SIZE, position + size);
    const records = Array.from({ length: recordCount }, (_, index) => decodeRecord(reader, index));
    if (!reader.atEnd) throw new CorruptRecordError(`the batch at offset ${baseOffset} has bytes left over after its ${recordCount} records`);
    return { kind: 'batch', batch: { baseOffset, lastOffsetDelta, firstTimestamp, maxTimestamp, records }, size };
  } catch (error) {
    if (error instanceof CorruptRecordError) return { kind: 'corrupt', reason: error.message };
    throw error;
  }
  //<
}

/** Decodes a buffer holding exactly one batch; throws CorruptRecordError if it is not one. */
export function decodeBatch(buffer: Buffer): RecordBatch {
  const found = readBatchAt(buffer, 0);
  if (found.kind !== 'batch') throw new CorruptRecordError(found.kind === 'end' ? 'an empty buffer holds no batch' : found.reason);
  if (found.size !== buffer.length) throw new CorruptRecordError(`${buffer.length - found.size} bytes follow the batch`);
  return found.batch;
}

/** The batch's offset after its last record: where the next batch starts. */
export function nextOffsetAfter(batch: RecordBatch): number {
  return batch.baseOffset + batch.lastOffsetDelta + 1;
}

/** The records of `batches` from `offset` on, each with its offset (a read may start mid-batch). */
export function recordsFrom(batches: RecordBatch[], offset = 0): RecordWithOffset[] {
  return batches
    .flatMap((batch) => batch.records.map((record, i) => ({ ...record, offset: batch.baseOffset + i })))
    .filter((record) => record.offset >= offset);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
