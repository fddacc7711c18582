// CRC-32C, the checksum Kafka's record batches carry (the "Castagnoli" polynomial).
//
// A checksum answers one question cheaply: are these bytes the ones that were written? A disk
// that lost power half-way through a write, a flipped bit, a file cut short by a crash: each
// changes the bytes, and then the CRC computed now no longer matches the one stored with them.
// Kafka picked CRC-32C over the older CRC-32 because modern CPUs compute it in hardware; here
// it is computed with tables, eight bytes per step ("slicing-by-8"): from step 09 every batch a
// producer sends is checked by the broker and again by the consumer, so this loop is hot.

/** The CRC-32C polynomial, bit-reversed (CRCs are computed least significant bit first). */
const POLYNOMIAL = 0x82f63b78;

/** TABLE[b] is the CRC of the single byte b: precomputed once so the main loop is one lookup per byte. */
const TABLE = new Uint32Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
  TABLE[byte] = crc >>> 0;
}

//> step 09 rewrites: every produced batch is checked on the hot path now: eight bytes per step
/**
 * SLICES[k][b] is the CRC of byte b followed by k zero bytes. With them, eight bytes are folded
 * into the CRC with eight independent lookups instead of eight dependent ones.
 */
const SLICES = [TABLE];
for (let k = 1; k < 8; k++) {
  const previous = SLICES[k - 1]!;
  const slice = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) slice[byte] = (previous[byte]! >>> 8) ^ TABLE[previous[byte]! & 0xff]!;
  SLICES.push(slice);
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = SLICES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** The CRC-32C of `bytes`, as an unsigned 32-bit number. crc32c(Buffer.from('123456789')) is 0xe3069283. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  let i = 0;
  // Eight bytes at a time: the first four are XORed into the CRC, the next four go in as they are.
  for (const last = bytes.length - 8; i <= last; i += 8) {
    const low = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc = T7[low & 0xff]! ^ T6[(low >>> 8) & 0xff]! ^ T5[(low >>> 16) & 0xff]! ^ T4[low >>> 24]! ^ T3[bytes[i + 4]!]! ^ T2[bytes[i + 5]!]! ^ T1[bytes[i + 6]!]! ^ T0[bytes[i + 7]!]!;
  }
  // The last few bytes one at a time, the classic way.
  for (; i < bytes.length; i++) crc = T0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  //<
  // `>>> 0` turns JavaScript's signed 32-bit result back into an unsigned number.
  return (crc ^ 0xffffffff) >>> 0;
}
