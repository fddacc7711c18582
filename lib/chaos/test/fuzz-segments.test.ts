// A broker that crashes mid-write, or a disk that flips a bit, must cost at most the damaged batch
// and what follows it: a log reopened after any damage to its active segment keeps exactly the
// whole, valid batches before the damage (the longest valid prefix), cuts the rest, and carries on
// from there. A thousand seeded trials per log format, each on a copy of the same log: step 08's
// format (the workshop's own, from step 04, with the leader epoch of step 08) and step 09's
// (Kafka's record batch v2).
//
// Each trial does one of two things to the active segment's .log file, at a random byte:
//   - cuts the file there (a torn write): the batches that end at or before the cut are kept;
//   - flips that byte (a damaged disk): the batches before the one holding it are kept, and
//     that batch and every later one are cut.
// One exception, which is the rule for the few header bytes the CRC does not cover:
//   - baseOffset and batchLength are not covered, but a changed base offset breaks the run of
//     offsets recovery checks, and a changed length moves the end the CRC is computed to; both
//     make the batch invalid, as does a changed magic byte (v2: only magic 2 is read);
//   - partitionLeaderEpoch is not covered, and nothing else checks it: Kafka stamps it into a
//     producer's batch after the CRC was computed. A batch with a flipped epoch is still a valid
//     batch, and keeps its records (the log's epoch cache ignores an epoch that goes backwards).
// The index and the leader epoch checkpoint are left as they were, stale: recovery rebuilds the
// one and trims the other. Only the active segment is damaged: recovery checks that one alone,
// as Kafka checks only the segments after its recovery point; older segments were flushed to
// disk when the log rolled past them.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { Prng } from '../prng.ts';

const TRIALS = 1_000;
const SEED = 4_2026;
const TOPIC = 'fuzzed';
/** Small segments, so that the log has several and the active one is a few kB. */
const LOG_OPTIONS = { segmentBytes: 6_000, indexIntervalBytes: 256 };
/** The header bytes the CRC does not cover and nothing else checks: partitionLeaderEpoch, in both formats. */
const UNCHECKED = { from: 12, to: 16 };

const tempDir = useTempDirs('kfs-segments-');

// Durability is not what this test checks, and the log fsyncs its files on every close and its
// epoch checkpoint on every change: a thousand trials would spend their time waiting on the disk.
beforeEach(() => {
  vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface Record {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

interface LogLike {
  append(records: Record[], leaderEpoch?: number): number;
  readRecords(offset?: number): Array<Record & { offset: number }>;
  readonly logEndOffset: number;
  readonly segmentBaseOffsets: number[];
  close(): void;
}

interface LogClass {
  open(dataDir: string, topic: string, partition: number, options?: object): LogLike;
}

/** A record as a string, every field of it, for comparing what was read with what was written. */
function show(record: Record & { offset: number }): string {
  const bytes = (data: Buffer | null) => (data === null ? 'null' : data.toString());
  return `${record.offset}:${bytes(record.key)}=${bytes(record.value)}@${record.timestamp}${record.headers.map((header) => `,${header.key}=${bytes(header.value)}`).join('')}`;
}

/** Makes `file` hold `bytes`, writing only if it does not already (and without emptying it first, which some filesystems answer with a flush). */
function restore(file: string, bytes: Buffer): void {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(bytes)) return;
  const fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, 0);
    fs.ftruncateSync(fd, bytes.length);
  } finally {
    fs.closeSync(fd);
  }
}

/** The batches of a segment file, found by their lengths (bytes 8–11 of every batch, in both formats). */
function batchBoundaries(file: Buffer): Array<{ start: number; end: number }> {
  const batches: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < file.length; ) {
    const end = start + 12 + file.readInt32BE(start + 8);
    batches.push({ start, end });
    start = end;
  }
  return batches;
}

describe.each(['08-controller', '09-kafka-protocol'])('segment files of solutions/%s', (step) => {
  test(`${TRIALS} random tail cuts and byte flips of the active segment each recover to the longest valid prefix`, async () => {
    const { Log } = (await import(pathToFileURL(path.join(SOLUTIONS_DIR, step, 'src', 'index.ts')).href)) as { Log: LogClass };
    const prng = new Prng(SEED);

    // A log of a few hundred records in batches of 1 to 8, with keys, nulls and headers, over
    // several segments and a few leader epochs.
    const original = tempDir();
    const log = Log.open(original, TOPIC, 0, LOG_OPTIONS);
    const written: Array<Record & { offset: number }> = [];
    let epoch = 0;
    for (let batch = 0; written.length < 300; batch++) {
      if (prng.chance(0.04)) epoch++;
      const records: Record[] = Array.from({ length: prng.int(1, 8) }, (_, i) => ({
        key: prng.chance(0.3) ? null : Buffer.from(`key-${batch}-${i}`),
        value: prng.chance(0.05) ? null : Buffer.from(`value ${batch}.${i} ${'x'.repeat(prng.int(0, 40))}`),
        timestamp: 1_700_000_000_000 + batch * 10 + i,
        headers: prng.chance(0.3) ? [{ key: 'h', value: Buffer.from(`${batch}`) }] : [],
      }));
      const baseOffset = log.append(records, epoch);
      written.push(...records.map((record, i) => ({ ...record, offset: baseOffset + i })));
    }
    const segments = log.segmentBaseOffsets;
    log.close();
    expect(segments.length, 'the log should span several segments').toBeGreaterThan(2);

    const activeBase = segments.at(-1)!;
    const logName = `${String(activeBase).padStart(20, '0')}.log`;
    const active = fs.readFileSync(path.join(original, `${TOPIC}-0`, logName));
    const batches = batchBoundaries(active);
    expect(batches.at(-1)?.end, 'the active segment should be whole batches').toBe(active.length);
    /** The first offset of each batch of the active segment, and the offset after it. */
    const firstOffsets = [...batches.map((batch) => Number(active.readBigInt64BE(batch.start))), written.length];
    expect(firstOffsets[0], 'the active segment starts at its base offset').toBe(activeBase);

    // Each trial starts from the original's files: those the trial before changed are written back
    // in place, and those it added removed (a fresh copy of the directory each time costs more
    // than the trial itself).
    const partitionDir = path.join(original, `${TOPIC}-0`);
    const snapshot = new Map(fs.readdirSync(partitionDir).map((name) => [name, fs.readFileSync(path.join(partitionDir, name))]));
    const dir = tempDir();
    const trialDir = path.join(dir, `${TOPIC}-0`);
    fs.mkdirSync(trialDir);
    const file = path.join(trialDir, logName);
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const name of fs.readdirSync(trialDir)) if (!snapshot.has(name)) fs.rmSync(path.join(trialDir, name));
      for (const [name, bytes] of snapshot) restore(path.join(trialDir, name), bytes);
      const at = prng.int(0, active.length - 1);
      const hit = batches.findIndex((batch) => batch.start <= at && at < batch.end);
      let damage: string;
      let keptBatches: number;
      if (prng.chance(0.5)) {
        fs.truncateSync(file, at);
        damage = `cut at byte ${at} of ${active.length}`;
        keptBatches = hit; // the batch holding the cut is torn; every one before it is whole
      } else {
        const bytes = Buffer.from(active);
        bytes[at]! ^= prng.int(1, 255);
        restore(file, bytes);
        const inHeader = at - batches[hit]!.start;
        damage = `byte ${at} of ${active.length} flipped (byte ${inHeader} of batch ${hit})`;
        keptBatches = inHeader >= UNCHECKED.from && inHeader < UNCHECKED.to ? batches.length : hit;
      }
      const end = firstOffsets[keptBatches]!;
      const expected = written.filter((record) => record.offset < end).map(show);

      const what = `trial ${trial} (seed ${SEED}), ${damage}: the log reopened should keep offsets 0..${end - 1}`;
      const reopened = Log.open(dir, TOPIC, 0, LOG_OPTIONS);
      try {
        const read = reopened.readRecords().map(show);
        if (read.length !== expected.length || read.some((record, i) => record !== expected[i])) {
          const first = read.findIndex((record, i) => record !== expected[i]);
          expect.fail(`${what}, but it holds ${read.length} records; first difference at record ${first}: ${read[first]} instead of ${expected[first]}`);
        }
        expect(reopened.logEndOffset, what).toBe(end);
        // And it carries on from there: the next record takes the next offset (checked in one trial of ten, for time).
        if (trial % 10 === 0) expect(reopened.append([{ key: null, value: Buffer.from('after'), timestamp: 1_800_000_000_000, headers: [] }], epoch + 1), `${what}, then append at ${end}`).toBe(end);
      } finally {
        reopened.close();
      }
    }
  }, 60_000);
});
