// The log's byte paths: a producer's record set appended as it came (stamped with its offsets and
// the leader's epoch), and stored bytes read back for a fetch without decoding them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../src/record/crc32c.ts';
import type { KafkaError } from '../src/common/errors.ts';
import { Log } from '../src/storage/log.ts';
import { checkBatchAt, decodeBatches, encodeBatch, readBatchHeader, recordsFrom, stampBatch, type LogRecord } from '../src/record/record-batch.ts';
import { validateBatches } from '../src/record/batch-validator.ts';
import { partitionLogBytes } from '#lib/testing/log-files.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';

const tempDir = useTempDirs('kfs-step09-log-');

const T0 = 1_700_000_000_000;

function records(first: number, count: number, valueBytes = 10): LogRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`key-${first + i}`), value: Buffer.alloc(valueBytes, first + i), timestamp: T0 + first + i, headers: [] }));
}

/** A record set as a producer sends it: batches of `sizes` records, each with base offset 0 (the leader stamps the real ones). */
function producerRecordSet(sizes: number[], options: { compression?: 'none' | 'gzip'; valueBytes?: number } = {}): Buffer {
  let n = 0;
  return Buffer.concat(sizes.map((size) => encodeBatch(0, records((n += size) - size, size, options.valueBytes), 0, { compression: options.compression ?? 'none' })));
}

/** What the leader should store for `recordSet`: the same bytes with offsets from `baseOffset` and `epoch` stamped in. */
function stamped(recordSet: Buffer, baseOffset: number, epoch: number): Buffer {
  const copy = Buffer.from(recordSet);
  let next = baseOffset;
  for (const batch of validateBatches(copy)) {
    stampBatch(copy, batch.position, next, epoch);
    next += batch.recordCount;
  }
  return copy;
}

/** The base offsets of the batches in `bytes`. */
function baseOffsets(bytes: Buffer): number[] {
  return decodeBatches(bytes).map((batch) => batch.baseOffset);
}

/** Every stored byte, read with readBytes from the log start, `maxBytes` at a time. */
function readAllBytes(log: Log, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const bytes = readBytesChecked(log, offset, maxBytes);
    const batches = decodeBatches(bytes);
    const last = batches.at(-1)!;
    parts.push(bytes);
    offset = last.baseOffset + last.lastOffsetDelta + 1;
  }
  return Buffer.concat(parts);
}

function readBytesChecked(log: Log, offset: number, maxBytes: number): Buffer {
  const bytes = log.readBytes(offset, maxBytes);
  if (bytes.length === 0) throw new Error(`readBytes(${offset}) returned nothing although the log ends at ${log.logEndOffset}`);
  return bytes;
}

function thrown(run: () => unknown): KafkaError {
  try {
    run();
  } catch (error) {
    return error as KafkaError;
  }
  throw new Error('expected an error, none was thrown');
}

describe('appending a producer\'s record set', () => {
  test('task 3: appendBatches stamps consecutive offsets from the log end and the leader epoch, and the checksums still hold', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'bytes', 0);
    log.append(records(0, 3), 2);
    const recordSet = producerRecordSet([2, 4, 1]);
    const expected = stamped(recordSet, 3, 5);
    expect(log.appendBatches(recordSet, 5), 'records 3 to 9 in three batches').toEqual({ baseOffset: 3, lastOffset: 9, records: 7 });
    expect(recordSet.equals(expected), 'the batches are stamped in place, in the buffer passed in').toBe(true);
    expect(log.logEndOffset).toBe(10);
    // The segment file itself: the appended bytes are its last ones.
    const file = partitionLogBytes(dataDir, 'bytes', 0);
    const stored = file.subarray(file.length - expected.length);
    expect(stored.equals(expected), 'the log stores the producer\'s bytes with only the base offsets and the epoch rewritten').toBe(true);
    for (let position = 0; position < stored.length; ) {
      const found = checkBatchAt(stored, position);
      expect(found.kind, `the stored batch at byte ${position} must still pass its CRC check`).toBe('batch');
      if (found.kind !== 'batch') break;
      expect(found.header.partitionLeaderEpoch).toBe(5);
      position += found.size;
    }
    expect(baseOffsets(stored)).toEqual([3, 5, 9]);
    expect(log.leaderEpochCache.epochEntries, 'epoch 5 starts at offset 3').toEqual([{ epoch: 2, startOffset: 0 }, { epoch: 5, startOffset: 3 }]);
    log.close();
  });

  test('task 3: a record set with any bad batch is refused whole: nothing is written', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'bytes', 0);
    log.appendBatches(producerRecordSet([2]), 0);
    const before = partitionLogBytes(dataDir, 'bytes', 0);

    const damaged = producerRecordSet([1, 1, 1]);
    damaged[damaged.length - 3]! ^= 0xff;
    const cases: Array<[string, Buffer, string]> = [
      ['the last of three batches has a flipped byte', damaged, 'CORRUPT_MESSAGE'],
      ['the last batch is cut short', producerRecordSet([2, 2]).subarray(0, -1), 'CORRUPT_MESSAGE'],
      ['an empty record set', Buffer.alloc(0), 'CORRUPT_MESSAGE'],
      ['a zstd batch after a good one', Buffer.concat([producerRecordSet([1]), withCodec(producerRecordSet([1]), 4)]), 'UNSUPPORTED_COMPRESSION_TYPE'],
    ];
    for (const [what, recordSet, code] of cases) {
      expect(thrown(() => log.appendBatches(recordSet, 0)).code, what).toBe(code);
      expect(log.logEndOffset, `${what}: the log end must not move`).toBe(2);
      expect(partitionLogBytes(dataDir, 'bytes', 0).equals(before), `${what}: not a byte may be written`).toBe(true);
    }
    expect(log.appendBatches(producerRecordSet([1]), 0).baseOffset, 'the log still takes good batches').toBe(2);
    log.close();
  });
});

describe('reading stored bytes', () => {
  test('task 4: readBytes returns exactly the stored bytes, from the batch that holds the offset', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'bytes', 0);
    log.appendBatches(producerRecordSet([3, 3, 3]), 0);
    log.appendBatches(producerRecordSet([2], { compression: 'gzip' }), 1);
    const file = partitionLogBytes(dataDir, 'bytes', 0);
    expect(log.readBytes(0, 1024 * 1024).equals(file), 'from offset 0: every byte of the segment, as it is in the file').toBe(true);
    expect(baseOffsets(log.readBytes(4, 1024 * 1024)), 'offset 4 is inside the batch 3-5: the read starts at that batch').toEqual([3, 6, 9]);
    expect(baseOffsets(log.readBytes(5, 1024 * 1024)), 'offset 5, the last of batch 3-5').toEqual([3, 6, 9]);
    expect(baseOffsets(log.readBytes(10, 1024 * 1024)), 'offset 10 is inside the gzip batch 9-10').toEqual([9]);
    expect(log.readBytes(11, 1024 * 1024).length, 'at the log end: nothing to read yet').toBe(0);
    log.close();
  });

  test('task 4: readBytes stops before maxBytes, but always returns the first batch whole', () => {
    const log = Log.open(tempDir(), 'bytes', 0);
    log.appendBatches(producerRecordSet([2, 2, 2, 2]), 0);
    const size = log.readBytes(0, 1).length;
    expect(baseOffsets(log.readBytes(0, 1)), 'maxBytes 1: still the first batch, whole (KIP-74), so a consumer is never stuck').toEqual([0]);
    expect(baseOffsets(log.readBytes(0, 3 * size - 1)), 'room for two batches and a bit: two batches, never a part of the third').toEqual([0, 2]);
    expect(baseOffsets(log.readBytes(0, 3 * size)), 'room for exactly three').toEqual([0, 2, 4]);
    expect(baseOffsets(log.readBytes(3, 2 * size)), 'counting from the batch the read starts at').toEqual([2, 4]);
    log.close();
  });

  test('task 4: readBytes returns only batches that start below endOffset (the high watermark)', () => {
    const log = Log.open(tempDir(), 'bytes', 0);
    log.appendBatches(producerRecordSet([2, 2, 2]), 0);
    expect(baseOffsets(log.readBytes(0, 1024 * 1024, 4)), 'endOffset 4: the batches at 0 and 2').toEqual([0, 2]);
    expect(baseOffsets(log.readBytes(2, 1024 * 1024, 3)), 'a batch that starts below endOffset comes whole').toEqual([2]);
    expect(log.readBytes(4, 1024 * 1024, 4).length, 'from endOffset on: nothing').toBe(0);
    expect(log.readBytes(0, 1024 * 1024, 0).length, 'endOffset 0: nothing').toBe(0);
  });

  test('task 4: an offset outside the log is OFFSET_OUT_OF_RANGE', () => {
    const log = Log.open(tempDir(), 'bytes', 0);
    log.appendBatches(producerRecordSet([2]), 0);
    expect(thrown(() => log.readBytes(3, 100)).code, 'past the log end').toBe('OFFSET_OUT_OF_RANGE');
    expect(thrown(() => log.readBytes(-1, 100)).code, 'before the log start').toBe('OFFSET_OUT_OF_RANGE');
    log.close();
  });

  test('task 4: across rolled segments every byte is read back, one segment per read', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'bytes', 0, { segmentBytes: 1000, indexIntervalBytes: 200 });
    for (let i = 0; i < 30; i++) log.appendBatches(producerRecordSet([1 + (i % 4)], { valueBytes: 30, compression: i % 5 === 0 ? 'gzip' : 'none' }), 0);
    expect(log.segmentBaseOffsets.length, 'small segments: several were rolled').toBeGreaterThan(3);
    const file = partitionLogBytes(dataDir, 'bytes', 0);
    for (const maxBytes of [1, 300, 1024 * 1024]) {
      expect(readAllBytes(log, maxBytes).equals(file), `reading it all ${maxBytes} bytes at a time gives the files' bytes`).toBe(true);
    }
    const second = log.segmentBaseOffsets[1]!;
    const lastOfFirst = decodeBatches(log.readBytes(second - 1, 1024 * 1024));
    expect(lastOfFirst.at(-1)!.baseOffset + lastOfFirst.at(-1)!.lastOffsetDelta + 1, 'a read ends with its segment').toBe(second);
    log.close();
  });
});

describe('finding records by time', () => {
  test('task 3: offsetForTimestamp finds a record inside gzip batches too, in any segment, and again after a restart', () => {
    const dataDir = tempDir();
    const options = { segmentBytes: 1000, indexIntervalBytes: 200 };
    const log = Log.open(dataDir, 'timed', 0, options);
    // Record n has timestamp T0 + n; every third batch is gzip, whose records only decompression shows.
    for (let n = 0, i = 0; i < 30; n += 1 + (i % 4), i++) log.appendBatches(encodeBatch(0, records(n, 1 + (i % 4), 30), 0, { compression: i % 3 === 0 ? 'gzip' : 'none' }), 0);
    const end = log.logEndOffset;
    const answers = (of: Log) => Array.from({ length: end + 1 }, (_, n) => of.offsetForTimestamp(T0 + n));
    const expected = [...Array.from({ length: end }, (_, n) => ({ timestamp: T0 + n, offset: n })), null];
    expect(answers(log), 'record n is at T0 + n: offsetForTimestamp(T0 + n) is offset n, and null after the last; a gzip batch\'s header says how late it goes, its records must be decompressed to say which one').toEqual(expected);
    log.close();
    const reopened = Log.open(dataDir, 'timed', 0, options);
    expect(answers(reopened), 'after a restart, the same answers').toEqual(expected);
    reopened.close();
  });
});

describe('v2 batches on disk', () => {
  test('task 4: after a restart the log recovers v2 batches, cuts a torn tail, and knows its epochs', () => {
    const dataDir = tempDir();
    const log = Log.open(dataDir, 'bytes', 0, { indexIntervalBytes: 100 });
    log.appendBatches(producerRecordSet([2, 3]), 0);
    log.appendBatches(producerRecordSet([4], { compression: 'gzip' }), 1);
    log.append(records(9, 2), 3);
    log.close();
    const intact = partitionLogBytes(dataDir, 'bytes', 0);
    // A crash in the middle of the next write: half a batch at the end of the file.
    const segment = path.join(dataDir, 'bytes-0', '00000000000000000000.log');
    fs.appendFileSync(segment, encodeBatch(11, records(11, 3)).subarray(0, 40));
    fs.rmSync(path.join(dataDir, 'bytes-0', 'leader-epoch-checkpoint'));

    const lines: string[] = [];
    const reopened = Log.open(dataDir, 'bytes', 0, { indexIntervalBytes: 100, log: (line) => lines.push(line) });
    expect(reopened.logEndOffset, 'the torn batch is cut; the log ends after offset 10').toBe(11);
    expect(lines.join('\n'), 'recovery says what it cut').toMatch(/cut 40 bytes/);
    expect(partitionLogBytes(dataDir, 'bytes', 0).equals(intact), 'the file is back to its whole batches').toBe(true);
    expect(reopened.readBytes(0, 1024 * 1024).equals(intact)).toBe(true);
    expect(reopened.leaderEpochCache.epochEntries, 'the epochs come back from the batch headers').toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 5 },
      { epoch: 3, startOffset: 9 },
    ]);
    expect(reopened.readRecords().map((r) => r.value![0]), 'every record decodes').toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 9, 10]);
    expect(reopened.appendBatches(producerRecordSet([1]), 3).baseOffset, 'appends continue at the log end').toBe(11);
    reopened.close();
  });

  test('task 4: a follower appends the leader\'s bytes as they are, and its log is byte for byte the leader\'s', () => {
    const leaderDir = tempDir();
    const followerDir = tempDir();
    const leader = Log.open(leaderDir, 'bytes', 0);
    const follower = Log.open(followerDir, 'bytes', 0);
    leader.appendBatches(producerRecordSet([2, 1]), 0);
    leader.appendBatches(producerRecordSet([3], { compression: 'gzip' }), 1);
    expect(follower.appendAsFollower(leader.readBytes(0, 1024 * 1024)), 'the first copied batch starts at 0').toBe(0);
    expect(follower.appendAsFollower(Buffer.alloc(0)), 'nothing new: nothing appended').toBe(6);
    expect(follower.logEndOffset).toBe(6);
    expect(partitionLogBytes(followerDir, 'bytes', 0).equals(partitionLogBytes(leaderDir, 'bytes', 0)), 'same bytes').toBe(true);
    expect(follower.leaderEpochCache.epochEntries, 'the leader\'s epochs').toEqual(leader.leaderEpochCache.epochEntries);
    expect(thrown(() => follower.appendAsFollower(leader.readBytes(3, 1024 * 1024))).code, 'batches that do not start at the follower\'s log end').toBe('OFFSET_OUT_OF_RANGE');
    leader.close();
    follower.close();
  });
});

/** A copy of `batch` that claims to be compressed with codec `codec`, its CRC made to match. */
function withCodec(batch: Buffer, codec: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt16BE(codec, 21);
  copy.writeUInt32BE(crc32c(copy.subarray(21)), 17);
  return copy;
}
