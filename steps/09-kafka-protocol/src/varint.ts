// Varints: the variable-length integers inside Kafka's records (record-batch.ts).
//
// Most numbers in a record are small: a key of 12 bytes, an offset delta of 3, a timestamp 2 ms
// after the batch's first. A fixed int32 spends 4 bytes on each; a varint spends one byte per 7
// bits the number really needs. Each byte carries 7 bits of the number, least significant group
// first, and its top bit says whether another byte follows (Protocol Buffers' base-128 varint):
//
//   300 = 0b10_0101100  ->  0xac 0x02   (0101100 with "more" set, then 10)
//
// Negative numbers would always need all the bytes (their top bits are ones), and records do hold
// negative numbers: -1 is a null key or value, and a timestamp delta can be below zero. ZIGZAG
// first maps signed numbers onto unsigned ones so that small magnitudes stay small:
//
//   0 -> 0,  -1 -> 1,  1 -> 2,  -2 -> 3,  2 -> 4, ...      (n << 1) ^ (n >> 63)
//
// Kafka has two sizes: a VARINT holds an int32 (at most 5 bytes) and a VARLONG an int64 (at most
// 10). Both are zigzag-encoded in record batches (Kafka's ByteUtils.writeVarint, writeVarlong).

/** Thrown when the bytes are not a varint: cut short, or longer than the type allows. */
export class VarintError extends Error {
  override name = 'VarintError';
}

/** A number read, and how many bytes it took. */
export interface Decoded {
  value: number;
  size: number;
}

// #region varint
/** The zigzag varint of `value`, an int32. */
export function encodeVarint(value: number): Buffer {
  throw new Error('TODO(step 09, task 2): encodeVarint — zigzag, then 7 bits per byte, low bits first');
}

/** Reads the zigzag varint at `position`, never past `end`. */
export function decodeVarint(buffer: Buffer, position: number, end = buffer.length): Decoded {
  throw new Error('TODO(step 09, task 2): decodeVarint — the reverse, refusing a varint cut short or too long');
}
// #endregion varint

// #region varlong
// Varlongs hold timestamps (ms since 1970 need 41 bits), beyond JavaScript's 32-bit bit operators:
// they are computed with bigint, and handed out as ordinary numbers.

/** The zigzag varlong of `value`, a safe integer. */
export function encodeVarlong(value: number): Buffer {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  const n = BigInt(value);
  let unsigned = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const bytes: number[] = [];
  while (unsigned >= 0x80n) {
    bytes.push(Number(unsigned & 0x7fn) | 0x80);
    unsigned >>= 7n;
  }
  bytes.push(Number(unsigned));
  return Buffer.from(bytes);
}

/** Reads the zigzag varlong at `position`, never past `end`. */
export function decodeVarlong(buffer: Buffer, position: number, end = buffer.length): Decoded {
  let unsigned = 0n;
  for (let size = 1; size <= 10; size++) {
    if (position + size > end) throw new VarintError('the varlong is cut short');
    const byte = buffer[position + size - 1]!;
    unsigned |= BigInt(byte & 0x7f) << BigInt(7 * (size - 1));
    if ((byte & 0x80) === 0) {
      const value = BigInt.asIntN(64, (unsigned >> 1n) ^ -(unsigned & 1n));
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new VarintError(`the varlong ${value} is beyond the 2^53 a JavaScript number holds exactly`);
      }
      return { value: Number(value), size };
    }
  }
  throw new VarintError('the varlong is longer than 10 bytes');
}
// #endregion varlong

/** How many bytes encodeVarint(value) takes, without making them. */
export function varintSize(value: number): number {
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned >>>= 7;
    size++;
  }
  return size;
}

/** How many bytes encodeVarlong(value) takes. */
export function varlongSize(value: number): number {
  return encodeVarlong(value).length;
}
