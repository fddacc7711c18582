// Records for step 04's tests, and small helpers to describe what a test got.
import fc from 'fast-check';

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** Records are stamped from the moment the tests start: retention by age reads their timestamps. */
export const T0 = Date.now();

/** Record number n: its value is {"number": n}, as in the recitation's producer.py; its timestamp is T0 + n. */
export function record(n: number, padding = 0): TestRecord {
  return {
    key: Buffer.from(`key-${n}`),
    value: Buffer.from(JSON.stringify({ number: n, padding: 'x'.repeat(padding) })),
    timestamp: T0 + n,
    headers: n % 3 === 0 ? [{ key: 'source', value: Buffer.from('test') }] : [],
  };
}

/** `count` records numbered from `first`. */
export function records(first: number, count: number, padding = 0): TestRecord[] {
  return Array.from({ length: count }, (_, i) => record(first + i, padding));
}

/** The number a record made by record(n) carries. */
export function numberOf(value: Buffer | null): number {
  return value === null ? NaN : (JSON.parse(value.toString()) as { number: number }).number;
}

/** "0..9" when the list is exactly that run, else the list itself (shortened). */
export function describeOffsets(offsets: number[]): string {
  if (offsets.length === 0) return 'nothing';
  const isRun = offsets.every((offset, i) => offset === offsets[0]! + i);
  if (isRun) return `${offsets[0]}..${offsets.at(-1)}`;
  return offsets.length > 30 ? `${offsets.slice(0, 30).join(',')},… (${offsets.length} in all)` : offsets.join(',');
}

/**
 * fc.assert, reporting a failure with the test's own message (plus the smallest counterexample)
 * instead of fast-check's summary, and a TODO stub's error as it is.
 */
export function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, params?: fc.Parameters<Ts>): void {
  try {
    fc.assert(property, params);
  } catch (error) {
    const cause = (error as Error).cause;
    if (!(cause instanceof Error)) throw error;
    if (!cause.message.startsWith('TODO(')) {
      const counterexample = /Counterexample: (.*)/.exec((error as Error).message)?.[1];
      if (counterexample) cause.message += `\n(smallest failing input: ${counterexample.length > 300 ? `${counterexample.slice(0, 300)}…` : counterexample})`;
    }
    throw cause;
  }
}
