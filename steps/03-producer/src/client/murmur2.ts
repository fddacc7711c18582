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
  throw new Error('TODO(step 03, task 1): murmur2 — hash the bytes exactly like Kafka\'s Java client (Utils.murmur2)');
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`: that maps a hash and its
 * negation to the same partition, and a different one from every other Kafka client.
 */
export function toPositive(n: number): number {
  throw new Error('TODO(step 03, task 1): toPositive — clear the sign bit with a mask, as Kafka\'s Utils.toPositive does');
}
