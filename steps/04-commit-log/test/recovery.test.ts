import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Log } from '../src/index.ts';
import { LogSegment, segmentFileName } from '../src/index.ts';
import { encodeBatch, nextOffsetAfter, recordsFrom } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { T0, describeOffsets, numberOf, records } from './helpers.ts';

const tempDir = useTempDirs('kfs-step04-');

/** Every record of the log; a damaged batch left in the log shows up as a clear failure. */
function readAll(log: Log) {
  const out = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    let batches;
    try {
      batches = log.read(offset, 1024 * 1024);
    } catch (error) {
      throw new Error(`reading offset ${offset} after recovery failed: ${(error as Error).message}. A torn or corrupt tail was left in the log; recovery must cut it off (did the Log constructor call recover() on the last segment?)`);
    }
    if (batches.length === 0) throw new Error(`read(${offset}) returned nothing although the log ends at ${log.logEndOffset}`);
    out.push(...recordsFrom(batches, offset));
    offset = nextOffsetAfter(batches.at(-1)!);
  }
  return out;
}

/** A segment's files with `batches` batches; returns their bytes and where the last batch starts. */
function segmentFiles(batches: number) {
  const dir = tempDir();
  const segment = new LogSegment(dir, 0, { indexIntervalBytes: 100 });
  let lastStart = 0;
  let lastBase = 0;
  for (let i = 0; i < batches; i++) {
    lastStart = segment.size;
    lastBase = segment.nextOffset;
    segment.append(encodeBatch(lastBase, records(lastBase, 2, 10)));
  }
  const end = segment.nextOffset;
  segment.close();
  const log = fs.readFileSync(path.join(dir, '00000000000000000000.log'));
  const index = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
  return { log, index, lastStart, lastBase, end };
}

/**
 * A fresh directory holding a segment made of `log` and `index` bytes, and an empty time index
 * (a missing one would make the segment rebuild its indexes as it opens: the test of that is below).
 */
function damagedSegment(log: Buffer, index: Buffer): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, '00000000000000000000.log'), log);
  fs.writeFileSync(path.join(dir, '00000000000000000000.index'), index);
  fs.writeFileSync(path.join(dir, '00000000000000000000.timeindex'), Buffer.alloc(0));
  return dir;
}

describe('task 5: LogSegment.recover', () => {
  test('task 5: recover() of an intact segment keeps everything', () => {
    const { log, index, end } = segmentFiles(10);
    const segment = new LogSegment(damagedSegment(log, index), 0, { indexIntervalBytes: 100 });
    const result = segment.recover();
    expect(result, 'an intact segment: 10 batches kept, nothing cut').toEqual({ batches: 10, validBytes: log.length, truncatedBytes: 0, reason: null });
    expect(segment.nextOffset).toBe(end);
    segment.close();
  });

  test('task 5: a tail cut at every byte of the last batch is recovered to the last whole batch, and appends continue', () => {
    const { log, index, lastStart, lastBase } = segmentFiles(12);
    for (let cut = lastStart + 1; cut < log.length; cut++) {
      const dir = damagedSegment(log.subarray(0, cut), index);
      const segment = new LogSegment(dir, 0, { indexIntervalBytes: 100 });
      const result = segment.recover();
      const what = `with the file cut after ${cut} of ${log.length} bytes (the last batch starts at ${lastStart})`;
      expect(result.batches, `${what}, recover() should keep the 11 whole batches`).toBe(11);
      expect(segment.size, `${what}, the segment should be cut back to ${lastStart} bytes`).toBe(lastStart);
      expect(fs.statSync(segment.logFile).size, `${what}, the .log FILE should be truncated to ${lastStart} bytes, not just the size in memory`).toBe(lastStart);
      expect(result.truncatedBytes, `${what}, truncatedBytes`).toBe(cut - lastStart);
      expect(segment.nextOffset, `${what}, the next offset should be the torn batch's base offset`).toBe(lastBase);
      segment.append(encodeBatch(lastBase, records(lastBase, 2, 10)));
      const offsets = recordsFrom(segment.read(0, Infinity)).map((r) => r.offset);
      expect(describeOffsets(offsets), `${what}, after appending again the segment should hold offsets 0..${lastBase + 1}`).toBe(`0..${lastBase + 1}`);
      segment.close();
    }
  });

  test('task 5: a flipped byte anywhere in the last batch is recovered to the batch before it', () => {
    const { log, index, lastStart, lastBase } = segmentFiles(8);
    for (let at = lastStart; at < log.length; at++) {
      const damaged = Buffer.from(log);
      damaged[at] = damaged[at]! ^ 0xff;
      const segment = new LogSegment(damagedSegment(damaged, index), 0, { indexIntervalBytes: 100 });
      const result = segment.recover();
      const what = `with byte ${at} flipped (the last batch is bytes ${lastStart}..${log.length - 1})`;
      expect(result.batches, `${what}, recover() should keep only the 7 batches before it; bytes 0-7 are the base offset, which the CRC does not cover: check it continues the log`).toBe(7);
      expect(segment.size, `${what}, the segment should be cut back to ${lastStart} bytes`).toBe(lastStart);
      expect(segment.nextOffset, `${what}, the next offset`).toBe(lastBase);
      segment.close();
    }
  });

  test('task 5: a tail of zeros (a file extended but never written) is cut off', () => {
    const { log, index, end } = segmentFiles(5);
    const segment = new LogSegment(damagedSegment(Buffer.concat([log, Buffer.alloc(4096)]), index), 0, { indexIntervalBytes: 100 });
    const result = segment.recover();
    expect(result.truncatedBytes, '4096 zero bytes after the last batch should be cut').toBe(4096);
    expect(segment.nextOffset).toBe(end);
    segment.close();
  });

  test('task 5: recovery rebuilds the index', () => {
    const { log, index } = segmentFiles(30);
    // An index with garbage in it: recovery must not trust it.
    const segment = new LogSegment(damagedSegment(log, Buffer.alloc(index.length, 0x7f)), 0, { indexIntervalBytes: 100 });
    segment.recover();
    expect(segment.indexEntries, 'after recover() the index should again have an entry about every 100 bytes').toBe(index.length / 8);
    for (let offset = 0; offset < segment.nextOffset; offset += 7) {
      const [first] = segment.read(offset, 1);
      expect(first && first.baseOffset <= offset && offset < nextOffsetAfter(first), `after recovery, read(${offset}) does not start with the batch holding ${offset}`).toBe(true);
    }
    segment.close();
  });

  test('task 5: a time index that is missing or damaged is rebuilt as its segment opens, and finds the same records', () => {
    const dataDir = tempDir();
    const options = { segmentBytes: 1200, indexIntervalBytes: 100 };
    const log = Log.open(dataDir, 'numtest', 0, options);
    for (let i = 0; i < 40; i++) log.append(records(log.logEndOffset, 2, 20));
    const times = Array.from({ length: log.logEndOffset + 1 }, (_, n) => T0 + n);
    const found = times.map((time) => log.offsetForTimestamp(time));
    const [first, second] = log.segmentBaseOffsets;
    log.close();
    const timeIndex = (base: number) => path.join(dataDir, 'numtest-0', segmentFileName(base, '.timeindex'));
    const entries = fs.statSync(timeIndex(second!)).size / 12;
    fs.rmSync(timeIndex(first!));
    // Garbage after the first entry: timestamps that go back, a torn last entry.
    const garbled = Buffer.concat([fs.readFileSync(timeIndex(second!)).subarray(0, 12), Buffer.alloc(30, 0x01)]);
    fs.writeFileSync(timeIndex(second!), garbled);

    const reopened = Log.open(dataDir, 'numtest', 0, options);
    expect(fs.existsSync(timeIndex(first!)), 'a segment whose .timeindex is missing should write it again as it opens').toBe(true);
    expect(fs.statSync(timeIndex(second!)).size / 12, 'a damaged .timeindex should be rebuilt whole (its segment recovered, as recover() rebuilds both indexes), not just cut at the damage').toBe(entries);
    expect(times.map((time) => reopened.offsetForTimestamp(time)), 'offsetForTimestamp should find the same records after the rebuild').toEqual(found);
    reopened.close();
  });
});

describe('task 5: a log recovers when it is opened', () => {
  /** A log of a few segments; returns the active segment's file and where its last batch lies. */
  function writeLog(dataDir: string) {
    const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1200 });
    for (let i = 0; i < 25; i++) log.append(records(log.logEndOffset, 2, 20));
    // The damaged batch must not be alone in its segment: then the cut would leave it empty.
    if (log.segmentBaseOffsets.at(-1) === log.logEndOffset - 2) log.append(records(log.logEndOffset, 2, 20));
    const lastBase = log.logEndOffset - 2;
    const active = log.segmentBaseOffsets.at(-1)!;
    log.close();
    const name = `${String(active).padStart(20, '0')}.log`;
    const size = fs.statSync(path.join(dataDir, 'numtest-0', name)).size;
    const lastStart = size - encodeBatch(lastBase, records(lastBase, 2, 20)).length;
    if (lastStart <= 0) throw new Error('test setup: the last batch should not be alone in its segment');
    return { name, lastStart, size, lastBase };
  }

  test('task 5: after a tail cut at every byte of the last batch, the log reopens at the last whole batch and appends continue', () => {
    const template = tempDir();
    const { name, lastStart, size, lastBase } = writeLog(template);
    for (let cut = lastStart; cut < size; cut++) {
      const dataDir = tempDir();
      fs.cpSync(template, dataDir, { recursive: true });
      fs.truncateSync(path.join(dataDir, 'numtest-0', name), cut);
      const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1200 });
      const what = `after cutting the last segment at byte ${cut} (its last batch is bytes ${lastStart}..${size - 1})`;
      expect(log.logEndOffset, `${what}, the log should end where the last whole batch ends (did the Log constructor call recover() on the last segment?)`).toBe(lastBase);
      expect(log.append(records(lastBase, 1)), `${what}, the next append should get offset ${lastBase}`).toBe(lastBase);
      const got = readAll(log);
      expect(describeOffsets(got.map((r) => r.offset)), `${what}, expected offsets 0..${lastBase}`).toBe(`0..${lastBase}`);
      expect(got.map((r) => numberOf(r.value)), `${what}, the values read back are not the ones written`).toEqual(got.map((r) => r.offset));
      log.close();
    }
  });

  test('task 5: after a byte flipped in the last batch, the log reopens at the batch before it', () => {
    const template = tempDir();
    const { name, lastStart, size, lastBase } = writeLog(template);
    for (const at of [lastStart, lastStart + 9, lastStart + 14, lastStart + 30, size - 1]) {
      const dataDir = tempDir();
      fs.cpSync(template, dataDir, { recursive: true });
      const active = path.join(dataDir, 'numtest-0', name);
      const bytes = fs.readFileSync(active);
      bytes[at] = bytes[at]! ^ 0x01;
      fs.writeFileSync(active, bytes);
      const log = Log.open(dataDir, 'numtest', 0, { segmentBytes: 1200 });
      expect(log.logEndOffset, `after flipping byte ${at} of ${name} (its last batch is bytes ${lastStart}..${size - 1}), the log should end before that batch (did the Log constructor call recover() on the last segment?)`).toBe(lastBase);
      log.append(records(lastBase, 1));
      expect(describeOffsets(readAll(log).map((r) => r.offset)), `after flipping byte ${at}, recovering and appending one record, expected offsets 0..${lastBase}`).toBe(`0..${lastBase}`);
      log.close();
    }
  });
});
