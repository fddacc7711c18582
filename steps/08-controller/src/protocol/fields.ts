// Reading a request that arrived as JSON, where nothing can be trusted: a field may be missing,
// of the wrong type, out of range, or nested a hundred thousand levels deep. Every field the
// broker uses is read through one of these methods, which checks its type and range and
// otherwise throws an InvalidRequestError naming the field; the broker answers INVALID_REQUEST.
// Kafka's binary protocol gets the same guarantee from its schemas (step 09).

/** The largest int32, the type of most of Kafka's counts, sizes and timeouts (and the longest timer Node takes, in ms). */
export const INT32_MAX = 2_147_483_647;

/** A request the broker cannot read. It carries the correlationId when there was one to find. */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly correlationId: number | null = null,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A client's value as an error message may quote it: short, and never walked into. Quoting with
 * JSON.stringify would recurse through a value nested 100,000 levels deep and overflow the stack.
 */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** The fields of one JSON object in a request (the request itself, or an entry of one of its lists). */
export class Fields {
  constructor(
    private readonly object: Record<string, unknown>,
    /** How messages name this object: `"produce"`, or `"produce" batches[2]`. */
    private readonly where: string,
    private readonly correlationId: number | null,
  ) {}

  /** An InvalidRequestError about this object, carrying the request's correlationId. */
  invalid(problem: string): InvalidRequestError {
    return new InvalidRequestError(`${this.where}: ${problem}`, this.correlationId);
  }

  private check<T>(name: string, ok: boolean, value: unknown, expected: string): T {
    if (!ok) throw this.invalid(`"${name}" must be ${expected}, got ${quote(value)}`);
    return value as T;
  }

  /** A string; empty only when `empty` allows it. */
  string(name: string, { empty = false } = {}): string {
    const value = this.object[name];
    return this.check(name, typeof value === 'string' && (empty || value !== ''), value, empty ? 'a string' : 'a non-empty string');
  }

  /** Whether the field is there at all (for optional fields). */
  has(name: string): boolean {
    return this.object[name] !== undefined;
  }

  /** A whole number from min to max (int32 from 0 by default); `fallback` when absent. */
  int(name: string, { min = 0, max = INT32_MAX, fallback, expected }: { min?: number; max?: number; fallback?: number; expected?: string } = {}): number {
    const value = this.object[name] ?? fallback;
    return this.check(name, Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max, value, expected ?? `a whole number from ${min} to ${max}`);
  }

  /** Any number (the broker decides what a sensible one is, and says so in its own answer). */
  number(name: string): number {
    const value = this.object[name];
    return this.check(name, typeof value === 'number' && Number.isFinite(value), value, 'a number');
  }

  /** Bytes, which JSON carries as base64 text. */
  base64(name: string): string {
    const value = this.object[name];
    return this.check(name, typeof value === 'string' && BASE64.test(value), value, 'base64 text');
  }

  /** Bytes that may be absent (a record without a key): base64 text or null. */
  bytes(name: string): string | null {
    const value = this.object[name];
    return value === null ? null : this.check(name, typeof value === 'string' && BASE64.test(value), value, 'base64 text or null');
  }

  /** A list whose entries are each read by `read`; `fallback` when absent. */
  list<T>(name: string, read: (entry: Fields) => T, { fallback }: { fallback?: T[] } = {}): T[] {
    const value = this.object[name];
    if (value === undefined && fallback) return fallback;
    const list = this.check<unknown[]>(name, Array.isArray(value), value, 'a list');
    return list.map((entry, index) => {
      const where = `${this.where} ${name}[${index}]`;
      if (!isObject(entry)) throw new InvalidRequestError(`${where}: must be an object, got ${quote(entry)}`, this.correlationId);
      return read(new Fields(entry, where, this.correlationId));
    });
  }

  /** An object whose values are all strings (a topic's configs); empty when absent. */
  stringMap(name: string): Record<string, string> {
    const value = this.object[name] ?? {};
    const ok = isObject(value) && Object.values(value).every((entry) => typeof entry === 'string');
    return { ...this.check<Record<string, string>>(name, ok, value, 'an object of strings, like {"min.insync.replicas": "2"}') };
  }

  /** A list of whole numbers from 0 (broker ids). */
  ints(name: string): number[] {
    const value = this.object[name];
    const ok = Array.isArray(value) && value.every((entry) => Number.isSafeInteger(entry) && entry >= 0 && entry <= INT32_MAX);
    return this.check(name, ok, value, 'a list of whole numbers from 0');
  }

  /** A list of strings; undefined when absent. */
  strings(name: string): string[] | undefined {
    const value = this.object[name];
    if (value === undefined) return undefined;
    return this.check(name, Array.isArray(value) && value.every((entry) => typeof entry === 'string'), value, 'a list of strings');
  }
}
