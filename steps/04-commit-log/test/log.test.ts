import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Log } from '../src/index.ts';
import { encodeBatch, nextOffsetAfter, recordsFrom } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { T0, assertProperty, describeOffsets, numberOf, record, records } from './helpers.ts';

const tempDir = useTempDirs('kfs-step04-');

/** Every record in the log, following reads from the log start to the log end. */
function readAll(log: Log, maxBytes = 1024 * 1024) {
  const out = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const batches = log.read(offset, maxBytes);
    if (batches.length === 0) throw new Error(`read(${offset}) returned no batches although the log ends at ${log.logEndOffset}`);
    out.push(...recordsFrom(batches, offset));
    offset = nextOffsetAfter(batches.at(-1)!);
  }
  return out;
}

describe('task 4: the partition log', () => {
  test('task 4: offsets are contiguous from 0, and append returns each batch\'s base offset', () => {
    const log = Log.open(tempDir(), 'numtest', 0);
    const sizes = [1, 3, 2, 5, 1, 4];
    const bases = sizes.map((count, i) => log.append(records(sizes.slice(0, i).reduce((a, b) => a + b, 0), count)));
    expect(bases, `batches of ${sizes.join(', ')} records should get base offsets 0, 1, 4, 6, 11, 12`).toEqual([0, 1, 4, 6, 11, 12]);
    expect(log.logEndOffset, 'logEndOffset is the offset the next record will get').toBe(16);
    const offsets = readAll(log).map((r) => r.offset);
    expect(describeOffsets(offsets), 'expected offsets 0..15 in order').toBe('0..15');
    expect(readAll(log).map((r) => numberOf(r.value)), 'each offset should hold the record appended there').toEqual(offsets);
    log.close();
  });

  test('task 4: the log lives in dataDir/<topic>-<partition>/ as 00000000000000000000.log, .index and .timeindex', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'numtest', 2);
    log.append(records(0, 1));
    log.close();
    expect(fs.readdirSync(dataDir), 'one directory per partition, named <topic>-<partition>').toEqual(['numtest-2']);
    expect(fs.readdirSync(path.join(dataDir, 'numtest-2')).sort()).toEqual(['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex']);
  });

  test('task 4: data survives a close and reopen, and appends continue after it', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 2000 });
    for (let i = 0; i < 20; i++) log.append(records(i * 2, 2, 30));
    log.close();
    const reopened = Log.open(dataDir, 'numtest', 0, { segmentBytes: 2000 });
    expect(reopened.logEndOffset, 'after a reopen the log should end where it ended before').toBe(40);
    expect(reopened.append(records(40, 1)), 'the first append after a reopen should get the next offset').toBe(40);
    const got = readAll(reopened);
    expect(describeOffsets(got.map((r) => r.offset)), 'expected offsets 0..40 after the reopen').toBe('0..40');
    expect(got.map((r) => numberOf(r.value)), 'the values read back differ from the ones written').toEqual(got.map((r) => r.offset));
    reopened.close();
  });

  test('task 4: the active segment rolls before it would pass segmentBytes', () => {
    const dataDir = tempDir();
    const batchSize = encodeBatch(0, records(0, 2, 50)).length;
    const segmentBytes = batchSize * 3 + 10; // room for three batches, not four
    const log = Log.open(dataDir, 'numtest', 0, { segmentBytes });
    for (let i = 0; i < 10; i++) log.append(records(i * 2, 2, 50));
    expect(log.segmentBaseOffsets, `with room for 3 two-record batches per segment, 10 batches make segments starting at 0, 6, 12, 18`).toEqual([0, 6, 12, 18]);
    const dir = path.join(dataDir, 'numtest-0');
    const logs = fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
    expect(logs, 'each segment is a file named by its base offset').toEqual(['00000000000000000000.log', '00000000000000000006.log', '00000000000000000012.log', '00000000000000000018.log']);
    for (const name of logs.slice(0, -1)) {
      const size = fs.statSync(path.join(dir, name)).size;
      expect(size, `${name} holds ${size} bytes, more than segmentBytes (${segmentBytes})`).toBeLessThanOrEqual(segmentBytes);
    }
    expect(describeOffsets(readAll(log).map((r) => r.offset)), 'reads should cross segment boundaries').toBe('0..19');
    log.close();
  });

  test('task 4: a batch bigger than segmentBytes still gets a segment of its own', () => {
    const log = Log.open(tempDir(), 'big', 0, { segmentBytes: 200 });
    log.append(records(0, 1));
    log.append(records(1, 10, 100)); // about 1.5 KB
    log.append(records(11, 1));
    expect(log.segmentBaseOffsets, 'the big batch should roll into a fresh segment, and the next batch into another').toEqual([0, 1, 11]);
    expect(describeOffsets(readAll(log).map((r) => r.offset))).toBe('0..11');
    log.close();
  });

  test('task 4: read(offset) starts with the batch holding it, in any segment, for random offsets', () => {
    const log = Log.open(tempDir(), 'numtest', 0, { segmentBytes: 1500, indexIntervalBytes: 200 });
    for (let i = 0; i < 60; i++) log.append(records(log.logEndOffset, 1 + (i % 3), 10));
    expect(log.segmentBaseOffsets.length, 'this test needs several segments').toBeGreaterThan(3);
    assertProperty(
      fc.property(fc.integer({ min: 0, max: log.logEndOffset - 1 }), (offset) => {
        const [first] = log.read(offset, 1);
        expect(first, `read(${offset}) returned no batch`).toBeDefined();
        expect(first!.baseOffset <= offset && offset < nextOffsetAfter(first!), `read(${offset}) returned the batch of offsets ${first!.baseOffset}..${nextOffsetAfter(first!) - 1}, which does not hold ${offset}`).toBe(true);
      }),
      { numRuns: 150 },
    );
    log.close();
  });

  test('task 4: read returns at least one whole batch even when it is bigger than maxBytes', () => {
    const log = Log.open(tempDir(), 'numtest', 0);
    log.append(records(0, 5, 200));
    log.append(records(5, 1));
    const batches = log.read(0, 10);
    expect(batches.length, 'with maxBytes 10 the first (1 KB) batch must still come back, alone, so a reader can make progress').toBe(1);
    expect(batches[0]!.records.length).toBe(5);
    log.close();
  });

  test('task 4: reading at the log end gives nothing; before the start or after the end is OFFSET_OUT_OF_RANGE', () => {
    const log = Log.open(tempDir(), 'numtest', 0);
    log.append(records(0, 3));
    expect(log.read(3), 'reading at logEndOffset means "nothing new yet": an empty list').toEqual([]);
    for (const bad of [-1, 4, 1.5]) {
      expect(() => log.read(bad), `read(${bad}) should throw an OFFSET_OUT_OF_RANGE error`).toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    }
    log.close();
  });

  test('task 4: flushMessages makes the log fsync after that many messages (Kafka\'s flush.messages)', () => {
    const log = Log.open(tempDir(), 'numtest', 0, { flushMessages: 3 });
    log.append(records(0, 2));
    expect(log.unflushedMessages, 'two messages appended, fewer than flushMessages: not flushed yet').toBe(2);
    log.append(records(2, 1));
    expect(log.unflushedMessages, 'the third message reaches flushMessages: the log should have flushed').toBe(0);
    const lazy = Log.open(tempDir(), 'numtest', 0);
    for (let i = 0; i < 100; i++) lazy.append(records(i, 1));
    expect(lazy.unflushedMessages, 'by default (like Kafka) the log leaves flushing to the operating system').toBe(100);
    log.close();
    lazy.close();
  });
});

describe('task 4: finding an offset by time', () => {
  test('task 4: offsetForTimestamp gives the first record at or after a time, in any segment; null after the last', () => {
    const log = Log.open(tempDir(), 'numtest', 0, { segmentBytes: 1000, indexIntervalBytes: 200 });
    while (log.segmentBaseOffsets.length < 5) log.append(records(log.logEndOffset, 3, 30));
    const end = log.logEndOffset;
    for (const n of [0, 1, 7, Math.floor(end / 2), end - 1]) {
      expect(log.offsetForTimestamp(T0 + n), `record ${n} has timestamp T0 + ${n}: offsetForTimestamp(T0 + ${n}) should find it`).toEqual({ timestamp: T0 + n, offset: n });
    }
    expect(log.offsetForTimestamp(T0 - 60_000), 'a time before every record gives the first record').toEqual({ timestamp: T0, offset: 0 });
    expect(log.offsetForTimestamp(T0 + end), `a time after every record (the newest is T0 + ${end - 1}) gives null: no record is that late`).toBeNull();
    log.close();
  });

  test('task 4: offsetForTimestamp is the FIRST offset whose timestamp is at or after the time, for random timestamps out of order', () => {
    const batch = fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 4 });
    assertProperty(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 40 }), fc.integer({ min: 300, max: 3000 }), fc.array(fc.integer({ min: -10, max: 510 }), { minLength: 1, maxLength: 10 }), (batches, segmentBytes, targets) => {
        const log = Log.open(tempDir(), 'numtest', 0, { segmentBytes, indexIntervalBytes: 100 });
        try {
          for (const stamps of batches) log.append(stamps.map((stamp, i) => ({ ...record(log.logEndOffset + i), timestamp: T0 + stamp })));
          const all = readAll(log);
          for (const target of targets) {
            const first = all.find((r) => r.timestamp >= T0 + target);
            const expected = first ? { timestamp: first.timestamp, offset: first.offset } : null;
            const stamps = all.map((r) => r.timestamp - T0).join(',');
            expect(log.offsetForTimestamp(T0 + target), `timestamps by offset (minus T0): ${stamps}; segments at ${log.segmentBaseOffsets.join(',')}; the first offset at or after T0 + ${target}`).toEqual(expected);
          }
        } finally {
          log.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
