// Apache Kafka's protocol types: how numbers, strings, bytes, arrays and structs are laid out in
// a request or a response, and one schema per message built out of them.
//
// Kafka describes every request and response version in a JSON schema
// (clients/src/main/resources/common/message/*.json) and generates a class per message from it.
// Here a schema is a TypeScript value built from the types below, and one pair of functions,
// `read` and `write`, walks any schema: a message's fields are written one after another with
// no names and no separators, so reader and writer must agree on the schema field by field.
//
// The primitive types (all big-endian, as Java's ByteBuffer):
//   int8, int16, int32, int64   two's complement
//   boolean                     one byte, 0 or 1
//   string                      int16 length, then that many bytes of UTF-8
//   nullable string             the same, length -1 for null
//   bytes / nullable bytes      int32 length (-1 for null), then the bytes
//   array                       int32 count (-1 for null in a nullable array), then the items
// Record batches (record-batch.ts) add varints; these "non-flexible" message versions do not use
// them (Kafka's flexible versions, which this workshop does not speak, use varints for lengths).

/**
 * Bytes that do not make the message they claim to be: cut short, a length that lies, a field out
 * of range. The reader throws it; the socket server logs why and closes the connection, as Kafka
 * does, since nothing after a misread request can be trusted either.
 */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** The largest int32: the longest timeout a Kafka int32 field (and a Node timer) can hold, about 24.8 days. */
export const INT32_MAX = 2 ** 31 - 1;

/** Reads a message field by field; every read checks that its bytes are there first. */
export class Reader {
  private position: number;

  constructor(
    private readonly buffer: Buffer,
    start = 0,
    private readonly end = buffer.length,
  ) {
    this.position = start;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** The position of the next `size` bytes, or an error that says what was cut short. */
  private take(size: number, what: string): number {
    //> step 09 task 1: Reader.take — refuse to read past the end of the message
    if (size > this.remaining) {
      throw new InvalidRequestError(`the message ends in the middle of ${what} (it needs ${size} bytes, ${this.remaining} are left)`);
    }
    const at = this.position;
    this.position += size;
    return at;
    //<
  }

  int8(what = 'an int8'): number {
    return this.buffer.readInt8(this.take(1, what));
  }

  int16(what = 'an int16'): number {
    return this.buffer.readInt16BE(this.take(2, what));
  }

  int32(what = 'an int32'): number {
    return this.buffer.readInt32BE(this.take(4, what));
  }

  /** An int64 as a JavaScript number: offsets and timestamps stay far below 2^53, and a larger one is refused. */
  int64(what = 'an int64'): number {
    const value = this.buffer.readBigInt64BE(this.take(8, what));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new InvalidRequestError(`${what} is ${value}, beyond the 2^53 this broker can count to`);
    }
    return Number(value);
  }

  /**
   * The next `length` bytes, without copying: the slice shares memory with the request, which is
   * what lets a produced record batch go to disk as it came.
   */
  slice(length: number, what = 'bytes'): Buffer {
    const at = this.take(length, what);
    return this.buffer.subarray(at, at + length);
  }

  // #region count
  /**
   * An array's count, checked against what is left before anything is allocated: every item takes
   * at least one byte, so a count larger than the bytes left is a lie, and a 2-billion-item array
   * in a 20-byte request must not make the broker allocate 2 billion slots.
   */
  count(what: string, minItemBytes = 1): number {
    //> step 09 task 1: Reader.count — check a count against the bytes left before anything is allocated
    const count = this.int32(`the length of ${what}`);
    if (count < -1) throw new InvalidRequestError(`${what} has a negative length (${count})`);
    if (count * minItemBytes > this.remaining) {
      throw new InvalidRequestError(`${what} claims ${count} items but only ${this.remaining} bytes are left`);
    }
    return count;
    //<
  }
  // #endregion count
}

/** Builds a message; grows as it goes, and hands out one buffer at the end. */
export class Writer {
  private buffer: Buffer;
  private position = 0;

  constructor(initialSize = 256) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /**
   * Room for `size` more bytes: double until it fits, so a message costs a few copies at most.
   * It may replace `this.buffer`, so callers take the position first and touch the buffer after.
   */
  private ensure(size: number): number {
    if (this.position + size > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + size));
      this.buffer.copy(grown, 0, 0, this.position);
      this.buffer = grown;
    }
    const at = this.position;
    this.position += size;
    return at;
  }

  int8(value: number): this {
    const at = this.ensure(1);
    this.buffer.writeInt8(value, at);
    return this;
  }

  int16(value: number): this {
    const at = this.ensure(2);
    this.buffer.writeInt16BE(value, at);
    return this;
  }

  int32(value: number): this {
    const at = this.ensure(4);
    this.buffer.writeInt32BE(value, at);
    return this;
  }

  int64(value: number): this {
    const at = this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt(value), at);
    return this;
  }

  raw(bytes: Buffer): this {
    const at = this.ensure(bytes.length);
    bytes.copy(this.buffer, at);
    return this;
  }

  /** Bytes written so far, as one buffer (shared with the writer: use it, then drop the writer). */
  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.position);
  }
}

/** One type of the protocol: how a value of it is read and written. */
export interface Type<T> {
  read(reader: Reader, what: string): T;
  write(writer: Writer, value: T): void;
}

/** The TypeScript type of the values a protocol type reads and writes. */
export type Infer<S> = S extends Type<infer T> ? T : never;

export const int8: Type<number> = { read: (r, what) => r.int8(what), write: (w, v) => w.int8(v) };
export const int16: Type<number> = { read: (r, what) => r.int16(what), write: (w, v) => w.int16(v) };
export const int32: Type<number> = { read: (r, what) => r.int32(what), write: (w, v) => w.int32(v) };
export const int64: Type<number> = { read: (r, what) => r.int64(what), write: (w, v) => w.int64(v) };

export const boolean: Type<boolean> = {
  read: (r, what) => r.int8(what) !== 0,
  write: (w, v) => w.int8(v ? 1 : 0),
};

export const nullableString: Type<string | null> = {
  read(reader, what) {
    //> step 09 task 1: nullableString.read — int16 length, -1 for null, then UTF-8 bytes
    const length = reader.int16(`the length of ${what}`);
    if (length === -1) return null;
    if (length < 0) throw new InvalidRequestError(`${what} has a negative length (${length})`);
    return reader.slice(length, what).toString('utf8');
    //<
  },
  write(writer, value) {
    //> step 09 task 1: nullableString.write — the length counts bytes, not characters
    if (value === null) {
      writer.int16(-1);
      return;
    }
    const bytes = Buffer.from(value, 'utf8');
    writer.int16(bytes.length).raw(bytes);
    //<
  },
};

export const string: Type<string> = {
  read(reader, what) {
    const value = nullableString.read(reader, what);
    if (value === null) throw new InvalidRequestError(`${what} is null, and it may not be`);
    return value;
  },
  write: (writer, value) => nullableString.write(writer, value),
};

export const nullableBytes: Type<Buffer | null> = {
  read(reader, what) {
    const length = reader.int32(`the length of ${what}`);
    if (length === -1) return null;
    if (length < 0) throw new InvalidRequestError(`${what} has a negative length (${length})`);
    return reader.slice(length, what);
  },
  write(writer, value) {
    if (value === null) writer.int32(-1);
    else writer.int32(value.length).raw(value);
  },
};

export const bytes: Type<Buffer> = {
  read(reader, what) {
    const value = nullableBytes.read(reader, what);
    if (value === null) throw new InvalidRequestError(`${what} is null, and it may not be`);
    return value;
  },
  write: (writer, value) => nullableBytes.write(writer, value),
};

/** An array whose count is -1 for null (Kafka's nullable arrays: Metadata v1+'s "all topics"). */
export function nullableArray<T>(item: Type<T>): Type<T[] | null> {
  return {
    read(reader, what) {
      const count = reader.count(what);
      if (count === -1) return null;
      const items: T[] = [];
      for (let i = 0; i < count; i++) items.push(item.read(reader, `${what}[${i}]`));
      return items;
    },
    write(writer, values) {
      if (values === null) {
        writer.int32(-1);
        return;
      }
      writer.int32(values.length);
      for (const value of values) item.write(writer, value);
    },
  };
}

export function array<T>(item: Type<T>): Type<T[]> {
  const nullable = nullableArray(item);
  return {
    read(reader, what) {
      const values = nullable.read(reader, what);
      if (values === null) throw new InvalidRequestError(`${what} is null, and it may not be`);
      return values;
    },
    write: (writer, values) => nullable.write(writer, values),
  };
}

// #region struct
/**
 * A struct: fields in the order they are listed, each with its own type. The object's key order
 * IS the wire order, as in Kafka's JSON schemas.
 */
export function struct<F extends Record<string, Type<unknown>>>(fields: F): Type<{ [K in keyof F]: Infer<F[K]> }> {
  const entries = Object.entries(fields);
  return {
    read(reader, what) {
      const value: Record<string, unknown> = {};
      for (const [name, type] of entries) value[name] = type.read(reader, what ? `${what}.${name}` : name);
      return value as { [K in keyof F]: Infer<F[K]> };
    },
    write(writer, value) {
      for (const [name, type] of entries) type.write(writer, (value as Record<string, unknown>)[name]);
    },
  };
}
// #endregion struct

/** Reads a whole message of type `type`; bytes left over mean the two sides disagree on the schema. */
export function decode<T>(type: Type<T>, buffer: Buffer, what: string): T {
  const reader = new Reader(buffer);
  const value = type.read(reader, what);
  if (reader.remaining !== 0) throw new InvalidRequestError(`${reader.remaining} bytes follow the end of ${what}: was it written with another version?`);
  return value;
}

export function encode<T>(type: Type<T>, value: T): Buffer {
  const writer = new Writer();
  type.write(writer, value);
  return writer.toBuffer();
}

/** Bytes written as they are, with no length: a body already encoded (see api-versions.ts). */
export const raw: Type<Buffer> = {
  read: (reader) => reader.slice(reader.remaining),
  write: (writer, value) => writer.raw(value),
};
