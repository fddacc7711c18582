// Varints: the variable-length integers inside Kafka's records (record-batch.ts).
//
// Most numbers in a record are small: a key of 12 bytes, an offset delta of 3, a timestamp 2 ms
// after the batch's first. A fixed int32 spends 4 bytes on each; a varint spends one byte per 7
// bits the number really needs. Each byte carries 7 bits of the number, least significant group
// first, and its top bit says whether another byte follows (Protocol Buffers' base-128 varint):
//
//   300 = 0b10_0101100  ->  0xac 0x02   (0101100 with "more" set, then 10; before the zigzag below)
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

/**
 * Writes the zigzag varint of `value`, an int32, into `buffer` at `position`, and returns the
 * position after it. Records are written straight into their batch's buffer this way: a Buffer
 * per number would cost more than the numbers.
 */
export function writeVarint(buffer: Buffer, position: number, value: number): number {
  //> step 09 task 2: writeVarint — zigzag, then 7 bits per byte, low bits first
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new RangeError(`${value} is not an int32`);
  // The sign moves to bit 0; `>>> 0` reads the result as unsigned, so the loop below ends.
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  while (unsigned >= 0x80) {
    buffer[position++] = (unsigned & 0x7f) | 0x80;
    unsigned >>>= 7;
  }
  buffer[position++] = unsigned;
  return position;
  //<
}

/** The zigzag varint of `value`, an int32, as bytes of its own. */
export function encodeVarint(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(varintSize(value));
  writeVarint(bytes, 0, value);
  return bytes;
}

/** Reads the zigzag varint at `position`, never past `end`. */
export function decodeVarint(buffer: Buffer, position: number, end = buffer.length): Decoded {
  //> step 09 task 2: decodeVarint — the reverse, refusing a varint cut short or too long
  let unsigned = 0;
  for (let size = 1; size <= 5; size++) {
    if (position + size > end) throw new VarintError('the varint is cut short');
    const byte = buffer[position + size - 1]!;
    // Multiplying, not shifting: 7 * 4 = 28 bits of shift would overflow JavaScript's int32 at the fifth byte.
    unsigned += (byte & 0x7f) * 2 ** (7 * (size - 1));
    if ((byte & 0x80) === 0) {
      if (unsigned > 0xffffffff) throw new VarintError('the varint does not fit in 32 bits');
      // Undo the zigzag: bit 0 is the sign.
      return { value: (unsigned >>> 1) ^ -(unsigned & 1), size };
    }
  }
  throw new VarintError('the varint is longer than 5 bytes');
  //<
}

// Varlongs hold timestamps (ms since 1970 need 41 bits), beyond JavaScript's 32-bit bit operators:
// they are computed with bigint, and handed out as ordinary numbers.

/** Writes the zigzag varlong of `value`, a safe integer, at `position`; returns the position after it. */
export function writeVarlong(buffer: Buffer, position: number, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  // Small numbers (a timestamp delta of a few ms) zigzag the same in 32 and 64 bits: no bigint needed.
  if (value >= -(2 ** 31) && value < 2 ** 31) return writeVarint(buffer, position, value);
  const n = BigInt(value);
  let unsigned = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  while (unsigned >= 0x80n) {
    buffer[position++] = Number(unsigned & 0x7fn) | 0x80;
    unsigned >>= 7n;
  }
  buffer[position++] = Number(unsigned);
  return position;
}

/** The zigzag varlong of `value`, a safe integer, as bytes of its own. */
export function encodeVarlong(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(varlongSize(value));
  writeVarlong(bytes, 0, value);
  return bytes;
}

/** Reads the zigzag varlong at `position`, never past `end`. */
export function decodeVarlong(buffer: Buffer, position: number, end = buffer.length): Decoded {
  // A varlong of at most 4 bytes is an int32's varint: read it without bigint.
  const short = peekShort(buffer, position, end);
  if (short) return decodeVarint(buffer, position, end);
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
  if (value >= -(2 ** 31) && value < 2 ** 31) return varintSize(value);
  let unsigned = BigInt.asUintN(64, (BigInt(value) << 1n) ^ (BigInt(value) >> 63n));
  let size = 1;
  while (unsigned >= 0x80n) {
    unsigned >>= 7n;
    size++;
  }
  return size;
}

/** Whether the varint at `position` ends within 4 bytes (28 bits: an int32 either way). */
function peekShort(buffer: Buffer, position: number, end: number): boolean {
  for (let i = position; i < Math.min(position + 4, end); i++) if ((buffer[i]! & 0x80) === 0) return true;
  return false;
}
