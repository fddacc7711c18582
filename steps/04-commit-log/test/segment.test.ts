import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LogSegment, segmentFileName } from '../src/index.ts';
import { OffsetIndex } from '../src/index.ts';
import { encodeBatch, nextOffsetAfter, recordsFrom } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { T0, assertProperty, describeOffsets, record, records } from './helpers.ts';

const tempDir = useTempDirs('kfs-step04-');

/** Overwrites the first batch's offset and length with garbage: a scan from byte 0 meets a corrupt batch. */
function damageFirstBatch(dir: string): void {
  const fd = fs.openSync(path.join(dir, segmentFileName(0, '.log')), 'r+');
  fs.writeSync(fd, Buffer.alloc(12, 0xff), 0, 12, 0);
  fs.closeSync(fd);
}

/** A segment at `baseOffset` holding batches of 1 to 4 records; returns where each batch starts. */
function fillSegment(segment: LogSegment, batches: number): Array<{ baseOffset: number; position: number; count: number }> {
  const written = [];
  for (let i = 0; i < batches; i++) {
    const count = 1 + (i % 4);
    const baseOffset = segment.nextOffset;
    written.push({ baseOffset, position: segment.size, count });
    segment.append(encodeBatch(baseOffset, records(baseOffset, count, 20)));
  }
  return written;
}

describe('task 3: the offset index', () => {
  test('task 3: lookup returns the last entry at or before the offset, for random entries and offsets', () => {
    const dir = tempDir();
    let n = 0;
    const entries = fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 }).map((gaps) => {
      // Strictly increasing offsets and positions, as a segment writes them.
      let offset = 0;
      let position = 0;
      return gaps.map((gap) => ({ offset: (offset += gap), position: (position += gap * 7) }));
    });
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 1_000 }), entries, fc.array(fc.integer({ min: 0, max: 700_000 }), { minLength: 1, maxLength: 20 }), (base, list, targets) => {
        const index = new OffsetIndex(path.join(dir, `${n++}.index`), base);
        try {
          for (const entry of list) index.append(base + entry.offset, entry.position);
          for (const relative of targets) {
            const target = base + relative;
            const expected = [...list].reverse().find((entry) => base + entry.offset <= target);
            const want = expected ? { offset: base + expected.offset, position: expected.position } : { offset: base, position: 0 };
            const got = index.lookup(target);
            expect(got, `lookup(${target}) with entries at offsets [${list.map((e) => base + e.offset).join(', ')}] should give the LAST entry at or before ${target} (or the segment start), got offset ${got.offset}`).toEqual(want);
          }
        } finally {
          index.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  test('task 3: the index survives a reopen and can be truncated', () => {
    const file = path.join(tempDir(), segmentFileName(100, '.index'));
    const index = new OffsetIndex(file, 100);
    index.append(110, 4100);
    index.append(125, 8300);
    index.append(140, 12_500);
    index.close();
    expect(fs.statSync(file).size, 'each entry takes 8 bytes on disk (relative offset int32, position int32)').toBe(24);
    const reopened = new OffsetIndex(file, 100);
    expect(reopened.lookup(130), 'after a reopen, lookup(130) should find the entry for 125').toEqual({ offset: 125, position: 8300 });
    reopened.truncateTo(125);
    expect(reopened.lookup(130), 'after truncateTo(125), the entries for 125 and later are gone').toEqual({ offset: 110, position: 4100 });
    expect(reopened.lookup(105), 'before the first entry, lookup gives the start of the segment').toEqual({ offset: 100, position: 0 });
    reopened.close();
  });
});

describe('task 3: the time index', () => {
  // One record per batch, all the same size, with timestamps that go back and forth as producers' clocks do.
  const BASE = 1_000_000;
  const STAMPS = [100, 400, 200, 300, 250, 600, 600, 700];
  const batchAt = (offset: number) => encodeBatch(offset, [{ ...record(offset, 20), timestamp: BASE + STAMPS[offset]! }]);

  test('task 3: with each offset index entry, the time index gets the largest timestamp so far and the FIRST batch that carried it', () => {
    const dir = tempDir();
    // An entry every one and a half batches: due at batches 2, 4 and 6.
    const options = { indexIntervalBytes: Math.floor(batchAt(0).length * 1.5) };
    const segment = new LogSegment(dir, 0, options);
    STAMPS.forEach((_, offset) => segment.append(batchAt(offset)));
    const check = (what: string, checked: LogSegment) => {
      expect(checked.indexEntries, `${what}: offset index entries at batches 2, 4 and 6`).toBe(3);
      expect(checked.timeIndexEntries, `${what}: the time index gets an entry only when the largest timestamp has grown since its last one: (400 at batch 2, none at 4: still 400, 600 at 6), so 2 entries`).toBe(2);
      expect(checked.timeIndexLookup(BASE + 400), `${what}: at batch 2 the largest timestamp so far was 400, first carried by batch 1 (offset 1), not the batch being indexed`).toEqual({ timestamp: BASE + 400, offset: 1 });
      expect(checked.timeIndexLookup(BASE + 650), `${what}: 600 was first carried by batch 5; batch 6's equal timestamp does not move it`).toEqual({ timestamp: BASE + 600, offset: 5 });
      expect(checked.timeIndexLookup(BASE + 399), `${what}: before the first entry, lookup gives the start of the segment with timestamp -1`).toEqual({ timestamp: -1, offset: 0 });
      expect(checked.largestTimestamp, `${what}: largestTimestamp is the newest record's, batch 7's, even after the last entry`).toBe(BASE + 700);
    };
    check('as written', segment);
    segment.close();
    expect(fs.statSync(path.join(dir, segmentFileName(0, '.timeindex'))).size, 'each time index entry takes 12 bytes on disk (timestamp int64, relative offset int32)').toBe(24);
    const reopened = new LogSegment(dir, 0, options);
    check('after a reopen', reopened);
    reopened.close();
  });
});

describe('task 3: append to a segment and read it back', () => {
  test('task 3: a segment is a .log, an .index and a .timeindex file named by its base offset in 20 digits', () => {
    const dir = tempDir();
    const segment = new LogSegment(dir, 42);
    segment.append(encodeBatch(42, records(0, 2)));
    segment.close();
    expect(fs.readdirSync(dir).sort()).toEqual(['00000000000000000042.index', '00000000000000000042.log', '00000000000000000042.timeindex']);
  });

  test('task 3: append moves size and nextOffset on, and adds an index entry about every indexIntervalBytes', () => {
    const segment = new LogSegment(tempDir(), 0, { indexIntervalBytes: 500 });
    const written = fillSegment(segment, 60);
    const last = written.at(-1)!;
    expect(segment.nextOffset, 'nextOffset should be the offset after the last record appended').toBe(last.baseOffset + last.count);
    expect(segment.size, 'size should be the bytes written to the .log file').toBe(fs.statSync(segment.logFile).size);
    const expected = Math.floor(segment.size / 500);
    expect(segment.indexEntries, `with ${segment.size} bytes and an entry every 500, expected about ${expected} index entries`).toBeGreaterThanOrEqual(expected / 2);
    expect(segment.indexEntries, `with ${segment.size} bytes and an entry every 500, expected about ${expected} index entries, not one per batch`).toBeLessThanOrEqual(expected + 1);
    segment.close();
  });

  test('task 3: read(offset) starts with the batch holding that offset, for random offsets', () => {
    const segment = new LogSegment(tempDir(), 1000, { indexIntervalBytes: 300 });
    const written = fillSegment(segment, 80);
    assertProperty(
      fc.property(fc.integer({ min: 1000, max: segment.nextOffset - 1 }), (offset) => {
        const entry = segment.indexLookup(offset);
        expect(entry.offset, `the index entry used for offset ${offset} is for offset ${entry.offset}, which is after it`).toBeLessThanOrEqual(offset);
        expect(written.some((batch) => batch.position === entry.position && batch.baseOffset === entry.offset), `the index entry for offset ${entry.offset} points at position ${entry.position}, where no batch starts`).toBe(true);
        const batches = segment.read(offset, 1);
        expect(batches.length, `read(${offset}, 1) should return exactly one batch (always at least one, but no more than maxBytes allows)`).toBe(1);
        const batch = batches[0]!;
        expect(batch.baseOffset <= offset && offset < nextOffsetAfter(batch), `read(${offset}) returned the batch of offsets ${batch.baseOffset}..${nextOffsetAfter(batch) - 1}, which does not hold ${offset}`).toBe(true);
      }),
      { numRuns: 200 },
    );
    segment.close();
  });

  test('task 3: read returns whole batches up to maxBytes, and everything from an offset in order', () => {
    const segment = new LogSegment(tempDir(), 0, { indexIntervalBytes: 300 });
    const written = fillSegment(segment, 30);
    const all = recordsFrom(segment.read(0, Infinity)).map((r) => r.offset);
    expect(describeOffsets(all), 'reading the whole segment should give every offset in order').toBe(`0..${segment.nextOffset - 1}`);
    const fromMiddle = recordsFrom(segment.read(37, Infinity), 37).map((r) => r.offset);
    expect(describeOffsets(fromMiddle), 'reading from offset 37 should give offsets 37 to the end').toBe(`37..${segment.nextOffset - 1}`);
    const sizes = written.map((batch, i) => (written[i + 1]?.position ?? segment.size) - batch.position);
    const limit = sizes[0]! + sizes[1]! + sizes[2]! + 1;
    expect(segment.read(0, limit).length, `maxBytes ${limit} holds the first three batches (${sizes.slice(0, 3).join(' + ')} bytes) but not a fourth`).toBe(3);
    expect(segment.read(segment.nextOffset, Infinity), 'reading at nextOffset gives no batches').toEqual([]);
    segment.close();
  });

  test('task 3: read starts where the offset index says: the bytes before that entry are never read', () => {
    const dir = tempDir();
    const segment = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    const last = fillSegment(segment, 25).at(-1)!;
    const entry = segment.indexLookup(last.baseOffset);
    const expected = segment.read(last.baseOffset, Infinity);
    segment.close();
    damageFirstBatch(dir);
    const reopened = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    expect(reopened.read(last.baseOffset, Infinity), `the first batch is damaged; read(${last.baseOffset}) should start at byte ${entry.position}, where the index entry for offset ${entry.offset} points, and never meet it`).toEqual(expected);
    reopened.close();
  });

  test('task 3: a reopened segment knows its size and next offset and reads the same', () => {
    const dir = tempDir();
    const segment = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    fillSegment(segment, 25);
    const { size, nextOffset } = segment;
    const before = segment.read(17, Infinity);
    segment.close();
    const reopened = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    expect({ size: reopened.size, nextOffset: reopened.nextOffset }, 'a reopened segment should report the same size and nextOffset').toEqual({ size, nextOffset });
    expect(reopened.read(17, Infinity), 'a reopened segment should read back the same batches').toEqual(before);
    reopened.close();
  });
});

describe('task 4: finding by time in a segment', () => {
  test('task 4: findOffsetByTimestamp starts where the time index and the offset index say: the bytes before are never read', () => {
    const dir = tempDir();
    const segment = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    const last = fillSegment(segment, 25).at(-1)!.baseOffset;
    segment.close();
    damageFirstBatch(dir);
    const reopened = new LogSegment(dir, 0, { indexIntervalBytes: 300 });
    const { offset } = reopened.timeIndexLookup(T0 + last);
    // Record n is stamped T0 + n.
    expect(reopened.findOffsetByTimestamp(T0 + last), `the first batch is damaged; a search for T0 + ${last} should start at offset ${offset}, which the time index gives, through the offset index, and never meet it`).toEqual({ timestamp: T0 + last, offset: last });
    reopened.close();
  });
});
