// Records for step 04's tests, and small helpers to describe what a test got.

export interface TestRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

const T0 = 1_700_000_000_000;

/** Record number n: its value is {"number": n}, as in the seeds' producer. */
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
