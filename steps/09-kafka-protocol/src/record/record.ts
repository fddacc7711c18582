// One record of a record batch v2 (Kafka's DefaultRecord): how it is written, and read back with
// every length checked. The batch around it (record-batch.ts) holds the header, the offsets and
// the checksum; a record holds only what differs from one record to the next.
//
// Each record is mostly varints (varint.ts), small numbers taking one byte:
//
//   length varint (the bytes after it), attributes int8 (unused, 0), timestampDelta varlong
//   (from baseTimestamp), offsetDelta varint (from baseOffset), keyLength varint (-1 = null),
//   key, valueLength varint (-1 = null), value, headersCount varint, then per header:
//   keyLength varint, key (UTF-8), valueLength varint (-1 = null), value.
import { KafkaError } from '../common/errors.ts';
import { decodeVarint, decodeVarlong, varintSize, varlongSize, VarintError, writeVarint, writeVarlong } from './varint.ts';

/** A record header: a key (a string) and a value (bytes, or null). */
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

/** A batch whose bytes do not make sense: Kafka's CORRUPT_MESSAGE. */
export class CorruptRecordError extends KafkaError {
  constructor(message: string) {
    super('CORRUPT_MESSAGE', message);
    this.name = 'CorruptRecordError';
  }
}

/** The attributes' bit that says the broker, not the producer, set the timestamps (LogAppendTime). */
export const TIMESTAMP_TYPE_LOG_APPEND_TIME = 0x08;

/** A varint length (-1 for null), then the bytes; returns the position after them. */
function writeBytes(buffer: Buffer, position: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buffer, position, -1);
  position = writeVarint(buffer, position, bytes.length);
  return position + bytes.copy(buffer, position);
}

/** What writeBytes takes for `data`. (Made once here, not as a closure for every record sent.) */
const bytesSize = (data: Buffer | null): number => (data === null ? varintSize(-1) : varintSize(data.length) + data.length);

/** The bytes of a record after its length varint: what writeRecord writes once that length is written. */
export function recordBodySize(record: LogRecord, offsetDelta: number, timestampDelta: number): number {
  let size = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(record.key) + bytesSize(record.value) + varintSize(record.headers.length);
  for (const header of record.headers) {
    const keyLength = Buffer.byteLength(header.key, 'utf8');
    size += varintSize(keyLength) + keyLength + bytesSize(header.value);
  }
  return size;
}

/**
 * Writes one record of a v2 batch at `position`, whose body (everything after its length) is
 * `bodySize` bytes; returns the position after it. The batch's buffer was sized from
 * recordBodySize, so every byte has its place already.
 */
export function writeRecord(buffer: Buffer, position: number, record: LogRecord, offsetDelta: number, timestampDelta: number, bodySize: number): number {
  throw new Error('TODO(step 09, task 2): writeRecord — one record of a v2 batch');
}

/** Reads fields one after the other, refusing to read past `end`. */
export class FieldReader {
  constructor(
    private readonly buffer: Buffer,
    private position: number,
    private readonly end: number,
  ) {}

  private take(size: number, what: string): number {
    if (size < 0 || this.position + size > this.end) {
      throw new CorruptRecordError(`${what} runs past the end of the records (needs ${size} bytes at position ${this.position}, they end at ${this.end})`);
    }
    const at = this.position;
    this.position += size;
    return at;
  }

  int8(what: string): number {
    return this.buffer.readInt8(this.take(1, what));
  }

  varint(what: string): number {
    return this.decoded(decodeVarint, what);
  }

  varlong(what: string): number {
    return this.decoded(decodeVarlong, what);
  }

  private decoded(decode: typeof decodeVarint, what: string): number {
    try {
      const { value, size } = decode(this.buffer, this.position, this.end);
      this.position += size;
      return value;
    } catch (error) {
      if (error instanceof VarintError) throw new CorruptRecordError(`${what}: ${error.message}`);
      throw error;
    }
  }

  /** A varint length, then that many bytes; length -1 is null. */
  nullableBytes(what: string): Buffer | null {
    const length = this.varint(`the length of ${what}`);
    if (length === -1) return null;
    if (length < -1) throw new CorruptRecordError(`the length of ${what} is ${length}`);
    const at = this.take(length, what);
    // A view, not a copy: a batch is decoded from a buffer of its own (a fetch answer, a read
    // of the segment file), and copying every key and value cost more than the decoding itself.
    return this.buffer.subarray(at, at + length);
  }

  get atEnd(): boolean {
    return this.position === this.end;
  }

  get at(): number {
    return this.position;
  }
}

/** What decoding a record needs of its batch's header. */
export interface RecordContext {
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
}

/** Reads record number `index` of a batch, checking every length against the bytes there are. */
export function decodeRecord(reader: FieldReader, index: number, header: RecordContext): LogRecord {
  throw new Error('TODO(step 09, task 2): decodeRecord — read one record back, checking every length');
}
