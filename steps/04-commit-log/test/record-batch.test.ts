import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../src/index.ts';
import { BATCH_HEADER_SIZE, encodeBatch, readBatchAt } from '../src/index.ts';
import { assertProperty, records } from './helpers.ts';

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

describe('task 2: CRC-32C', () => {
  test('task 2: crc32c gives the standard check values', () => {
    const cases: Array<[string, Buffer, number]> = [
      ['"123456789"', Buffer.from('123456789'), 0xe3069283],
      ['an empty buffer', Buffer.alloc(0), 0],
      ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
      ['32 bytes of 0xff', Buffer.alloc(32, 0xff), 0x62a8ab43],
      ['the bytes 0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    ];
    for (const [what, bytes, expected] of cases) {
      const got = crc32c(bytes);
      expect(hex(got), `crc32c of ${what} should be ${hex(expected)}, got ${hex(got)} (start from 0xffffffff, use the table, invert at the end, >>> 0 for an unsigned result)`).toBe(hex(expected));
    }
  });
});

describe('task 2: encode and decode a batch', () => {
  test('task 2: a batch decodes back to exactly the records encoded, with its header fields', () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array));
    const arbitraryRecord = fc.record({
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      timestamp: fc.integer({ min: 0, max: 2 ** 47 }),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 3 }),
    });
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(arbitraryRecord, { minLength: 1, maxLength: 8 }), (baseOffset, batchRecords) => {
        const encoded = encodeBatch(baseOffset, batchRecords);
        const found = readBatchAt(encoded, 0);
        expect(found.kind, `readBatchAt on a freshly encoded batch should find a whole batch, got ${found.kind}: ${'reason' in found ? found.reason : ''}`).toBe('batch');
        if (found.kind !== 'batch') return;
        expect(found.size, 'size should be the number of bytes the batch takes').toBe(encoded.length);
        expect(found.batch.baseOffset, 'baseOffset did not survive encoding').toBe(baseOffset);
        expect(found.batch.lastOffsetDelta, 'lastOffsetDelta should be the record count minus one').toBe(batchRecords.length - 1);
        expect(found.batch.firstTimestamp, 'firstTimestamp should be the first record\'s timestamp').toBe(batchRecords[0]!.timestamp);
        expect(found.batch.maxTimestamp, 'maxTimestamp should be the largest record timestamp').toBe(Math.max(...batchRecords.map((r) => r.timestamp)));
        expect(found.batch.records, 'the decoded records differ from the encoded ones (keys, values, null vs empty, headers)').toEqual(batchRecords);
      }),
      { numRuns: 200 },
    );
  });

  test('task 2: the header follows the layout: baseOffset, batchLength, crc, lastOffsetDelta, timestamps, record count', () => {
    const batchRecords = records(0, 3);
    const encoded = encodeBatch(42, batchRecords);
    expect(encoded.readBigInt64BE(0), 'bytes 0-7: baseOffset as int64').toBe(42n);
    expect(encoded.readInt32BE(8), 'bytes 8-11: batchLength = the bytes AFTER this field (total length minus 12)').toBe(encoded.length - 12);
    expect(hex(encoded.readUInt32BE(12)), 'bytes 12-15: the CRC-32C of every byte from 16 to the end').toBe(hex(crc32c(encoded.subarray(16))));
    expect(encoded.readInt32BE(16), 'bytes 16-19: lastOffsetDelta').toBe(2);
    expect(encoded.readBigInt64BE(20), 'bytes 20-27: firstTimestamp').toBe(BigInt(batchRecords[0]!.timestamp));
    expect(encoded.readBigInt64BE(28), 'bytes 28-35: maxTimestamp').toBe(BigInt(batchRecords[2]!.timestamp));
    expect(encoded.readInt32BE(36), 'bytes 36-39: record count').toBe(3);
    expect(encoded.length, 'the records follow the 40-byte header').toBeGreaterThan(BATCH_HEADER_SIZE);
  });
});

describe('task 2: tell a whole batch from a torn or corrupt one', () => {
  test('task 2: readBatchAt finds consecutive batches, then the end', () => {
    const first = encodeBatch(0, records(0, 2));
    const second = encodeBatch(2, records(2, 3));
    const both = Buffer.concat([first, second]);
    const a = readBatchAt(both, 0);
    expect(a.kind === 'batch' && a.batch.baseOffset, 'the first batch, at position 0').toBe(0);
    const b = readBatchAt(both, first.length);
    expect(b.kind === 'batch' && b.batch.baseOffset, `the second batch, at position ${first.length}`).toBe(2);
    expect(readBatchAt(both, both.length).kind, 'at the end of the buffer readBatchAt should say "end"').toBe('end');
  });

  test('task 2: a batch cut at any byte is "torn", never a batch', () => {
    const encoded = encodeBatch(7, records(7, 4));
    for (let cut = 1; cut < encoded.length; cut++) {
      const found = readBatchAt(encoded.subarray(0, cut), 0);
      expect(found.kind, `a batch of ${encoded.length} bytes cut after ${cut} bytes should be "torn"`).toBe('torn');
    }
  });

  test('task 2: a flipped byte anywhere after the base offset makes the batch torn or corrupt', () => {
    const encoded = encodeBatch(7, records(7, 4));
    // Bytes 0-7 (the base offset) are not covered by the CRC, as in Kafka: recovery checks them.
    for (let at = 8; at < encoded.length; at++) {
      const damaged = Buffer.from(encoded);
      damaged[at] = damaged[at]! ^ 0xff;
      const found = readBatchAt(damaged, 0);
      expect(found.kind, `with byte ${at} flipped, readBatchAt still returned a batch: check the CRC over bytes 16..end`).not.toBe('batch');
    }
  });

  test('task 2: a batch whose CRC matches but whose record lengths are nonsense is "corrupt", not a crash', () => {
    const encoded = encodeBatch(0, records(0, 1));
    // Record 0's key length sits right after its 8-byte timestamp: claim a huge key.
    encoded.writeInt32BE(1_000_000, 40 + 8);
    encoded.writeUInt32BE(crc32c(encoded.subarray(16)), 12);
    let found;
    expect(() => (found = readBatchAt(encoded, 0)), 'readBatchAt must never throw on bad bytes: return { kind: "corrupt" }').not.toThrow();
    expect(found!.kind).toBe('corrupt');
  });
});
