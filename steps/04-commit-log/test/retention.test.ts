import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../src/index.ts';
import { recordsFrom } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { records } from './helpers.ts';

const tempDir = useTempDirs('kfs-step04-');
const DAY = 24 * 60 * 60 * 1000;

/** A log with several segments of about 1 KB; `options` go to Log.open. */
function logWithSegments(dataDir: string, options: Parameters<typeof Log.open>[3] = {}) {
  const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1000, ...options });
  while (log.segmentBaseOffsets.length < 6) log.append(records(log.logEndOffset, 2, 40));
  return log;
}

function segmentFiles(dataDir: string): string[] {
  return fs.readdirSync(path.join(dataDir, 'numtest-0')).filter((name) => name.endsWith('.log')).sort();
}

describe('task 6: retention by size', () => {
  test('task 6: deleteOldSegments removes the oldest segments while the rest still holds retentionBytes', () => {
    const dataDir = tempDir();
    const log = logWithSegments(dataDir, { retentionBytes: 2500 });
    const before = log.segmentBaseOffsets;
    const deleted = log.deleteOldSegments();
    const after = log.segmentBaseOffsets;
    expect(after, 'retention deletes whole segments from the OLD end, in order').toEqual(before.slice(deleted));
    expect(log.size, `after retention the log (${log.size} bytes) should still hold at least retentionBytes (2500): delete a segment only if what remains is still that big`).toBeGreaterThanOrEqual(2500);
    const oldestKept = fs.statSync(path.join(dataDir, 'numtest-0', segmentFiles(dataDir)[0]!)).size;
    expect(log.size - oldestKept, 'retention stopped too early: without its oldest segment the log would still hold retentionBytes (2500)').toBeLessThan(2500);
    expect(deleted, `the log was ${before.length} segments of about 1 KB and retentionBytes is 2500: some of the oldest should go`).toBeGreaterThan(0);
    expect(segmentFiles(dataDir), 'the deleted segments\' files should be gone from disk').toEqual(after.map((base) => `${String(base).padStart(20, '0')}.log`));
    expect(log.logStartOffset, 'logStartOffset should move to the first segment kept').toBe(after[0]);
    expect(() => log.read(0), 'reading a deleted offset should throw OFFSET_OUT_OF_RANGE').toThrow(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    expect(recordsFrom(log.read(log.logStartOffset))[0]?.offset, 'the first kept offset can still be read').toBe(log.logStartOffset);
    log.close();
  });

  test('task 6: retention by size never deletes the active segment, even with retentionBytes 0', () => {
    const log = logWithSegments(tempDir(), { retentionBytes: 0 });
    const end = log.logEndOffset;
    const active = log.segmentBaseOffsets.at(-1);
    log.deleteOldSegments();
    expect(log.segmentBaseOffsets, 'every segment but the active one may go; the active one must stay').toEqual([active]);
    expect(log.logEndOffset, 'retention never changes the log end offset').toBe(end);
    expect(log.append(records(end, 1)), 'appends continue after retention').toBe(end);
    log.close();
  });

  test('task 6: retentionBytes -1 (the default) means no size limit', () => {
    const log = logWithSegments(tempDir());
    const before = log.segmentBaseOffsets;
    const deleted = log.deleteOldSegments();
    expect(deleted, 'with the default retentionBytes -1 nothing may be deleted by size: check the limit only when retentionBytes >= 0 (this.size - oldest.size >= -1 is always true)').toBe(0);
    expect(log.segmentBaseOffsets, 'every segment should still be there').toEqual(before);
    log.close();
  });

  test('task 6: the log start offset after retention survives a reopen', () => {
    const dataDir = tempDir();
    const log = logWithSegments(dataDir, { retentionBytes: 0 });
    log.deleteOldSegments();
    const start = log.logStartOffset;
    const end = log.logEndOffset;
    log.close();
    const reopened = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1000 });
    expect({ start: reopened.logStartOffset, end: reopened.logEndOffset }, 'after a reopen').toEqual({ start, end });
    reopened.close();
  });
});

describe('task 6: retention by age', () => {
  test('task 6: segments whose newest record is older than retentionMs are deleted, never the active one', () => {
    let now = Date.now();
    const log = logWithSegments(tempDir(), { retentionMs: 7 * DAY, now: () => now });
    expect(log.deleteOldSegments(), 'no record is older than 7 days yet: nothing should be deleted').toBe(0);
    now += 8 * DAY;
    const active = log.segmentBaseOffsets.at(-1);
    log.deleteOldSegments();
    expect(log.segmentBaseOffsets, 'eight days later every segment is too old, but the active one must stay').toEqual([active]);
    log.close();
  });

  test('task 6: a segment\'s age is its newest record\'s timestamp, not its file\'s modification time', () => {
    const dataDir = tempDir();
    // segmentBytes 1: every batch rolls a segment of its own, so each segment's records are chosen here.
    const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1, retentionMs: 7 * DAY });
    const tenDaysAgo = Date.now() - 10 * DAY;
    // Segments 1 and 2 hold records stamped ten days ago, 3 new ones, 4 old ones again (a producer
    // with a wrong clock), then new ones.
    for (const old of [true, true, false, true, false, false, false]) log.append(records(log.logEndOffset, 2, 40).map((r) => (old ? { ...r, timestamp: tenDaysAgo } : r)));
    const [first, second, third, fourth] = segmentFiles(dataDir);
    // A replica that copied the log yesterday has new files full of old records, and the other way round.
    const now = new Date();
    const then = new Date(tenDaysAgo);
    for (const name of [first!, second!]) fs.utimesSync(path.join(dataDir, 'numtest-0', name), now, now);
    fs.utimesSync(path.join(dataDir, 'numtest-0', third!), then, then);
    expect(log.deleteOldSegments(), 'the two segments whose records are 10 days old should be deleted, however new their files; the third not, however old its file; and retention stops at the first segment it keeps, so the fourth stays too').toBe(2);
    expect(segmentFiles(dataDir).slice(0, 2), 'the oldest segments left should be the third and the fourth').toEqual([third, fourth]);
    log.close();
  });

  test('task 6: retentionMs -1 keeps segments forever', () => {
    let now = Date.now();
    const log = logWithSegments(tempDir(), { retentionMs: -1, now: () => now });
    now += 10_000 * DAY;
    expect(log.deleteOldSegments(), 'retentionMs -1 means no time limit (Kafka\'s retention.ms=-1)').toBe(0);
    log.close();
  });
});
