// CRC-32C, the checksum Kafka's record batches carry (the "Castagnoli" polynomial).
//
// A checksum answers one question cheaply: are these bytes the ones that were written? A disk
// that lost power half-way through a write, a flipped bit, a file cut short by a crash: each
// changes the bytes, and then the CRC computed now no longer matches the one stored with them.
// Kafka picked CRC-32C over the older CRC-32 because modern CPUs compute it in hardware; here
// it is computed the classic way, one byte at a time with a 256-entry table.

/** The CRC-32C polynomial, bit-reversed (CRCs are computed least significant bit first). */
const POLYNOMIAL = 0x82f63b78;

/** TABLE[b] is the CRC of the single byte b: precomputed once so the main loop is one lookup per byte. */
const TABLE = new Uint32Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
  TABLE[byte] = crc >>> 0;
}

// #region crc32c
/** The CRC-32C of `bytes`, as an unsigned 32-bit number. crc32c(Buffer.from('123456789')) is 0xe3069283. */
export function crc32c(bytes: Uint8Array): number {
  //> step 04 task 2: crc32c — start from 0xffffffff, fold in each byte with the table, and invert the result
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  // `>>> 0` turns JavaScript's signed 32-bit result back into an unsigned number.
  return (crc ^ 0xffffffff) >>> 0;
  //<
}
// #endregion crc32c
