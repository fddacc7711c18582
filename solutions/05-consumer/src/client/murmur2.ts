// Kafka's key hash: the 32-bit MurmurHash2 exactly as the Java client computes it.
//
// A keyed record goes to partition `toPositive(murmur2(keyBytes)) % numPartitions`. Every Kafka
// client in every language must land the same key on the same partition, so this is not "a"
// hash: it is byte-for-byte the one in org.apache.kafka.common.utils.Utils, seed and all.
//
// JavaScript numbers are doubles, so 32-bit integer arithmetic needs care:
// - `Math.imul(a, b)` multiplies like Java's `int * int` (keeps the low 32 bits);
// - `>>>` is Java's unsigned shift; `| 0` turns a result back into a signed 32-bit int.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** MurmurHash2 of `data`, as a signed 32-bit integer (what Java's `Utils.murmur2` returns). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;

  // The body: four bytes at a time, read little-endian.
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }

  // The tail: the last one to three bytes (Java's switch falls through the cases on purpose).
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }

  // Final mix, so that the last bytes affect every bit of the result.
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`: that maps a hash and its
 * negation to the same partition, and a different one from every other Kafka client.
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
