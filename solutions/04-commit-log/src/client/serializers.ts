// Serializers turn what the application sends into the bytes that travel and get stored.
//
// A broker never looks inside keys and values: to Kafka they are bytes. Producer and consumer
// agree on the format (a serializer here, a deserializer on the consumer side); Kafka's Java
// client calls them `key.serializer` and `value.serializer`. `null` stays `null` with every
// serializer: a record may have no key, and a null value is a "tombstone" (delete this key).

/** Turns a key or value into bytes. Throwing rejects that one `send()`, nothing else. */
export type Serializer<T = unknown> = (data: T, topic: string) => Buffer | null;

/** Strings as UTF-8, like Kafka's StringSerializer. */
export const stringSerializer: Serializer<string | null> = (data) => {
  if (data === null) return null;
  if (typeof data !== 'string') throw new TypeError(`stringSerializer expects a string, got ${describe(data)}`);
  return Buffer.from(data, 'utf8');
};

/** Any JSON value as UTF-8 JSON text, what the recitation's producer.py gets from `dumps(x).encode('utf-8')`. */
export const jsonSerializer: Serializer<unknown> = (data) => {
  if (data === null) return null;
  const text = JSON.stringify(data);
  // JSON.stringify returns undefined (no error!) for undefined, functions and symbols.
  if (text === undefined) throw new TypeError(`jsonSerializer cannot represent ${describe(data)} as JSON`);
  return Buffer.from(text, 'utf8');
};

/** Bytes as they are (a string is taken as UTF-8). The default when no serializer is given. */
export const bytesSerializer: Serializer<Uint8Array | string | null> = (data) => {
  if (data === null) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`expected bytes (a Buffer or a string), got ${describe(data)}: pass a keySerializer or valueSerializer that turns it into bytes`);
};

function describe(data: unknown): string {
  if (data === undefined) return 'undefined';
  if (typeof data === 'object') return data === null ? 'null' : `an object (${data.constructor?.name ?? 'Object'})`;
  return `a ${typeof data}`;
}
