// A record batch: the unit the log writes, checks and reads back, and the unit on the wire.
//
// The broker never stores records one by one. It writes the batch a producer sent, exactly as it
// came, with a header in front: where the batch starts (its base offset), how long it is, which
// leader wrote it (its leader epoch), and a checksum of the rest. That header is what lets the
// log find batches in a file, skip the ones a reader does not want, after a crash tell a whole
// batch from a torn or damaged one, and after a leader change tell whose writes a replica holds.
//
// From step 09 the layout is Apache Kafka's own, record batch v2 ("magic 2", Kafka's
// DefaultRecordBatch), byte for byte: a real Kafka client's produce request carries batches in
// this layout, the log stores them unchanged, and a fetch sends the stored bytes back. All fixed
// numbers are big-endian.
//
//   offset  size  field
//        0     8  baseOffset            the offset of the first record (the leader stamps it)
//        8     4  batchLength           bytes that follow this field
//       12     4  partitionLeaderEpoch  the epoch of the leader that appended the batch
//       16     1  magic                 the format version: 2
//       17     4  crc                   CRC-32C of every byte from attributes to the end
//       21     2  attributes            bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
//       23     4  lastOffsetDelta       offset of the last record minus baseOffset
//       27     8  baseTimestamp         the first record's timestamp
//       35     8  maxTimestamp          the largest record timestamp
//       43     8  producerId            -1: not an idempotent producer
//       51     2  producerEpoch         -1
//       53     4  baseSequence          -1
//       57     4  recordsCount
//       61        records (compressed as one block when attributes say so)
//
// The CRC covers the bytes from attributes to the end. Not baseOffset and partitionLeaderEpoch:
// the leader stamps the offsets and its epoch into a batch a producer sent by rewriting those
// fields in place (stampBatch), without recomputing the CRC over the records. Nor the magic byte,
// checked on its own: a reader must know the layout before it can even find the CRC.
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from './crc32c.ts';
import { KafkaError } from '../common/errors.ts';
import { CorruptRecordError, decodeRecord, FieldReader, recordBodySize, writeRecord, type LogRecord } from './record.ts';
import { varintSize } from './varint.ts';

export { CorruptRecordError, type LogRecord, type RecordHeader } from './record.ts';

/** A record read back from the log, with the offset the log gave it. */
export interface RecordWithOffset extends LogRecord {
  offset: number;
}

/** The codecs this workshop reads and writes: none, and gzip (which Node's zlib has built in). */
export type Compression = 'none' | 'gzip';

export interface RecordBatch {
  baseOffset: number;
  /**
   * The epoch of the leader that appended the batch (step 08): a follower that comes back after a
   * leader change compares epochs to find what the new leader never had (leader-epoch-cache.ts).
   */
  partitionLeaderEpoch: number;
  /** Offset of the last record minus baseOffset: recordsCount - 1 in this log, which never compacts. */
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  compression: Compression;
  records: LogRecord[];
}

// Where each header field sits, counted from the start of the batch.
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const PARTITION_LEADER_EPOCH = 12;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const BASE_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORDS_COUNT = 57;
/** Bytes before the first record (Kafka's RECORD_BATCH_OVERHEAD). */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: what must be read to know how big a batch is (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD = 12;
/** The only batch format this workshop speaks. Kafka's older message sets (magic 0 and 1) have another layout. */
export const CURRENT_MAGIC = 2;
/** The partition leader epoch a producer writes: "none yet". The leader stamps its own when it appends. */
export const NO_PARTITION_LEADER_EPOCH = -1;

// The attributes' bits. Records here always carry CreateTime (the producer's clock), not
// LogAppendTime, and no transactions: the broker refuses transactional and control batches.
const COMPRESSION_MASK = 0x07;
export const TRANSACTIONAL = 0x10;
export const CONTROL = 0x20;
/** Kafka's codec ids, in the order of their numbers. */
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** "No producer id" for the producer id, epoch and sequence fields: this workshop has no idempotent producer. */
const NO_PRODUCER_ID = -1;

/** The name of the codec in a batch's attributes, e.g. 'gzip' (or 'codec 7' for a number Kafka does not use). */
export function compressionOf(attributes: number): string {
  const id = attributes & COMPRESSION_MASK;
  return CODECS[id] ?? `codec ${id}`;
}

/** The records of a batch whose header was checked: decompressed if need be, then decoded. */
export function decodeRecords(buffer: Buffer, position: number, header: BatchHeader): LogRecord[] {
  const size = LOG_OVERHEAD + header.batchLength;
  let records = buffer.subarray(position + BATCH_HEADER_SIZE, position + size);
  const compression = compressionOf(header.attributes);
  if (compression === 'gzip') {
    try {
      records = gunzipSync(records);
    } catch (error) {
      throw new CorruptRecordError(`the gzip-compressed records of the batch at offset ${header.baseOffset} do not decompress: ${(error as Error).message}`);
    }
  } else if (compression !== 'none') {
    throw unsupportedCompression(compression);
  }
  const reader = new FieldReader(records, 0, records.length);
  const decoded = Array.from({ length: header.recordCount }, (_, index) => decodeRecord(reader, index, header));
  if (!reader.atEnd) throw new CorruptRecordError(`the batch at offset ${header.baseOffset} has bytes left over after its ${header.recordCount} records`);
  return decoded;
}

export function unsupportedCompression(compression: string): KafkaError {
  return new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `the batch is compressed with ${compression}; this broker reads only uncompressed and gzip batches (set the producer's compression to none or gzip)`);
}

// ---------------------------------------------------------------------------------------------
// The batch header

/** The fields in front of the records, read without checking anything. */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** The header of the batch at `position`; the buffer must hold its BATCH_HEADER_SIZE bytes. */
export function readBatchHeader(buffer: Buffer, position = 0): BatchHeader {
  return {
    baseOffset: Number(buffer.readBigInt64BE(position + BASE_OFFSET)),
    batchLength: buffer.readInt32BE(position + BATCH_LENGTH),
    partitionLeaderEpoch: buffer.readInt32BE(position + PARTITION_LEADER_EPOCH),
    magic: buffer.readInt8(position + MAGIC),
    crc: buffer.readUInt32BE(position + CRC),
    attributes: buffer.readInt16BE(position + ATTRIBUTES),
    lastOffsetDelta: buffer.readInt32BE(position + LAST_OFFSET_DELTA),
    baseTimestamp: Number(buffer.readBigInt64BE(position + BASE_TIMESTAMP)),
    maxTimestamp: Number(buffer.readBigInt64BE(position + MAX_TIMESTAMP)),
    producerId: Number(buffer.readBigInt64BE(position + PRODUCER_ID)),
    producerEpoch: buffer.readInt16BE(position + PRODUCER_EPOCH),
    baseSequence: buffer.readInt32BE(position + BASE_SEQUENCE),
    recordCount: buffer.readInt32BE(position + RECORDS_COUNT),
  };
}

/**
 * Writes the base offset and the leader epoch into the batch at `position`, in place: what the
 * leader does to a producer's batch before appending it. Both fields are outside the CRC, so the
 * batch stays valid, and nothing else is touched: the rest is stored as the producer wrote it.
 */
export function stampBatch(buffer: Buffer, position: number, baseOffset: number, partitionLeaderEpoch: number): void {
  buffer.writeBigInt64BE(BigInt(baseOffset), position + BASE_OFFSET);
  buffer.writeInt32BE(partitionLeaderEpoch, position + PARTITION_LEADER_EPOCH);
}

// ---------------------------------------------------------------------------------------------
// Encoding

export interface EncodeOptions {
  /** How the records are compressed; Kafka's compression.type. Default 'none'. */
  compression?: Compression;
}

/**
 * The bytes of one batch holding `records`, the first of which gets offset `baseOffset`, written
 * by the leader of epoch `partitionLeaderEpoch` (a partition's first leader has epoch 0; every
 * election the controller holds adds one).
 */
export function encodeBatch(baseOffset: number, records: LogRecord[], partitionLeaderEpoch = 0, options: EncodeOptions = {}): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const compression = options.compression ?? 'none';
  // Records store their timestamps and offsets as deltas from the batch's: small numbers, one or two varint bytes.
  const baseTimestamp = records[0]!.timestamp;
  const maxTimestamp = records.reduce((max, record) => Math.max(max, record.timestamp), baseTimestamp);
  // Every record's size first, so that they are all written into one buffer with no copying.
  const bodySizes = records.map((record, i) => recordBodySize(record, i, record.timestamp - baseTimestamp));
  const plain = Buffer.allocUnsafe(bodySizes.reduce((sum, body) => sum + varintSize(body) + body, 0));
  let position = 0;
  records.forEach((record, i) => (position = writeRecord(plain, position, record, i, record.timestamp - baseTimestamp, bodySizes[i]!)));
  // Compression covers the records only; the header stays readable without decompressing.
  const body = compression === 'gzip' ? gzipSync(plain) : plain;

  const batch = Buffer.alloc(BATCH_HEADER_SIZE + body.length);
  batch.writeBigInt64BE(BigInt(baseOffset), BASE_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH);
  batch.writeInt32BE(partitionLeaderEpoch, PARTITION_LEADER_EPOCH);
  batch.writeInt8(CURRENT_MAGIC, MAGIC);
  batch.writeInt16BE(CODECS.indexOf(compression), ATTRIBUTES); // CreateTime, not transactional, not control
  batch.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA);
  batch.writeBigInt64BE(BigInt(baseTimestamp), BASE_TIMESTAMP);
  batch.writeBigInt64BE(BigInt(maxTimestamp), MAX_TIMESTAMP);
  batch.writeBigInt64BE(BigInt(NO_PRODUCER_ID), PRODUCER_ID);
  batch.writeInt16BE(NO_PRODUCER_ID, PRODUCER_EPOCH);
  batch.writeInt32BE(NO_PRODUCER_ID, BASE_SEQUENCE);
  batch.writeInt32BE(records.length, RECORDS_COUNT);
  body.copy(batch, BATCH_HEADER_SIZE);
  // The CRC goes in last: it covers every byte from the attributes on, so they must all be final.
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES)), CRC);
  return batch;
}

// ---------------------------------------------------------------------------------------------
// Checking and decoding

/** What `checkBatchAt` found at a position. */
export type BatchCheck =
  /** A whole batch whose checksum matches; the next batch starts `size` bytes further on. */
  | { kind: 'batch'; header: BatchHeader; size: number }
  /** Nothing: the position is the end of the buffer. */
  | { kind: 'end' }
  /** The start of a batch whose end is missing: a write cut short by a crash, or a fetch cut by its byte limit. */
  | { kind: 'torn'; reason: string }
  /** All the bytes are there but they are not a valid batch: a flipped bit, garbage, a bug. */
  | { kind: 'corrupt'; reason: string };

/**
 * Looks at the batch starting at `position` and tells whether it is whole and valid, from its
 * header and checksum alone: the records are not decoded (recovery and the log's own scans need
 * no more, as in Kafka). Never throws on bad bytes.
 */
export function checkBatchAt(buffer: Buffer, position: number): BatchCheck {
  const available = buffer.length - position;
  if (available === 0) return { kind: 'end' };
  if (available < LOG_OVERHEAD) {
    return { kind: 'torn', reason: `only ${available} bytes left, fewer than the ${LOG_OVERHEAD} that start every batch` };
  }
  // The first 12 bytes say where the batch claims to end; only then can the rest be checked.
  const baseOffset = Number(buffer.readBigInt64BE(position + BASE_OFFSET));
  const batchLength = buffer.readInt32BE(position + BATCH_LENGTH);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) {
    return { kind: 'corrupt', reason: `batch length ${batchLength} is smaller than a batch header (${BATCH_HEADER_SIZE - LOG_OVERHEAD} bytes after the length field)` };
  }
  // The magic byte says which layout follows: checked as soon as it is there, for a batch in
  // another format would make every later field nonsense.
  if (available > MAGIC) {
    const magic = buffer.readInt8(position + MAGIC);
    if (magic !== CURRENT_MAGIC) {
      return { kind: 'corrupt', reason: `the batch at offset ${baseOffset} has magic ${magic}: only record batches v2 (magic ${CURRENT_MAGIC}) are supported` };
    }
  }
  const size = LOG_OVERHEAD + batchLength;
  if (available < size) {
    return { kind: 'torn', reason: `the batch at offset ${baseOffset} needs ${size} bytes but only ${available} are there` };
  }
  const header = readBatchHeader(buffer, position);
  const computed = crc32c(buffer.subarray(position + ATTRIBUTES, position + size));
  if (computed !== header.crc) {
    return { kind: 'corrupt', reason: `checksum mismatch in the batch at offset ${baseOffset}: stored ${hex(header.crc)}, computed ${hex(computed)}` };
  }
  if (header.recordCount < 1 || header.lastOffsetDelta !== header.recordCount - 1) {
    return { kind: 'corrupt', reason: `the batch at offset ${baseOffset} says ${header.recordCount} records but lastOffsetDelta ${header.lastOffsetDelta} (it must be recordsCount - 1, with at least one record)` };
  }
  return { kind: 'batch', header, size };
}

/** What `readBatchAt` found at a position: as checkBatchAt, with the batch decoded. */
export type BatchAt =
  | { kind: 'batch'; batch: RecordBatch; size: number }
  | { kind: 'end' }
  | { kind: 'torn'; reason: string }
  | { kind: 'corrupt'; reason: string };

/**
 * Checks the batch starting at `position` (checkBatchAt) and decodes its records. Never throws
 * on bad bytes; only a batch compressed with a codec this workshop cannot decompress throws
 * UNSUPPORTED_COMPRESSION_TYPE, for its bytes are not wrong.
 */
export function readBatchAt(buffer: Buffer, position: number): BatchAt {
  const found = checkBatchAt(buffer, position);
  if (found.kind !== 'batch') return found;
  const { header, size } = found;
  // The checksum matched, so these bytes are what was written; decoding can still fail if what
  // was written was wrong (a bug), and that must not crash whoever is reading.
  try {
    const records = decodeRecords(buffer, position, header);
    const { baseOffset, partitionLeaderEpoch, lastOffsetDelta, baseTimestamp, maxTimestamp } = header;
    const compression = compressionOf(header.attributes) as Compression;
    return { kind: 'batch', batch: { baseOffset, partitionLeaderEpoch, lastOffsetDelta, baseTimestamp, maxTimestamp, compression, records }, size };
  } catch (error) {
    if (error instanceof CorruptRecordError) return { kind: 'corrupt', reason: error.message };
    throw error;
  }
}

/** Decodes a buffer holding exactly one batch; throws CorruptRecordError if it is not one. */
export function decodeBatch(buffer: Buffer): RecordBatch {
  const found = readBatchAt(buffer, 0);
  if (found.kind !== 'batch') throw new CorruptRecordError(found.kind === 'end' ? 'an empty buffer holds no batch' : found.reason);
  if (found.size !== buffer.length) throw new CorruptRecordError(`${buffer.length - found.size} bytes follow the batch`);
  return found.batch;
}

/**
 * The batches of a record set as a fetch response carries it: whole batches one after the other.
 * A partial batch at the very end is dropped, as Kafka's clients do: a broker may cut the last
 * batch at the fetch's byte limit, and the next fetch starts at it again. A corrupt batch throws
 * CorruptRecordError.
 */
export function decodeBatches(recordSet: Buffer): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (let position = 0; ; ) {
    const found = readBatchAt(recordSet, position);
    if (found.kind === 'end' || found.kind === 'torn') return batches;
    if (found.kind === 'corrupt') throw new CorruptRecordError(`the batch at byte ${position} of the record set: ${found.reason}`);
    batches.push(found.batch);
    position += found.size;
  }
}

// ---------------------------------------------------------------------------------------------
// Offsets and sizes

/** The batch's offset after its last record: where the next batch starts. */
export function nextOffsetAfter(batch: { baseOffset: number; lastOffsetDelta: number }): number {
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

/**
 * The bytes `batch` takes in a segment (what encodeBatch would make of it). An uncompressed
 * batch is counted without encoding it again; a compressed one's size is only known by
 * compressing it.
 */
export function batchSize(batch: RecordBatch): number {
  if (batch.compression !== 'none') return encodeBatch(batch.baseOffset, batch.records, batch.partitionLeaderEpoch, { compression: batch.compression }).length;
  let size = BATCH_HEADER_SIZE;
  batch.records.forEach((record, i) => {
    const body = recordBodySize(record, i, record.timestamp - batch.baseTimestamp);
    size += varintSize(body) + body;
  });
  return size;
}
