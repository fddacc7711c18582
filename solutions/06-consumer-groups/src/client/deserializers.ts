// Deserializers turn the bytes a consumer reads back into what the producer sent.
//
// They mirror serializers.ts: producer and consumer must agree on the format, the broker never
// looks. Kafka's Java client calls them `key.deserializer` and `value.deserializer`; in kafka-python,
// the consumer of the "Quick Introduction to Kafka with docker and python" passes
// `value_deserializer=lambda x: loads(x.decode('utf-8'))`.
// `null` stays `null` with every deserializer: no key, or a tombstone.

/** Turns a key or value read from a topic back into a value. Throwing stops the iteration at that record. */
export type Deserializer<T = unknown> = (data: Buffer | null, topic: string) => T;

/** UTF-8 bytes as a string, like Kafka's StringDeserializer. */
export const stringDeserializer: Deserializer<string | null> = (data) => (data === null ? null : data.toString('utf8'));

/** UTF-8 JSON text as the value it describes, as kafka-python's `loads(x.decode('utf-8'))` gives it back. */
export const jsonDeserializer: Deserializer<unknown> = (data) => {
  if (data === null) return null;
  const text = data.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SyntaxError(`jsonDeserializer expects JSON, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
  }
};

/** The bytes as they are. The default when no deserializer is given: Kafka's records are bytes. */
export const bytesDeserializer: Deserializer<Buffer | null> = (data) => data;
