// Record batch v2, Apache Kafka's layout: varints, the header, round trips, the same bytes as a
// real Kafka client's encoder, and what the broker refuses.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc32c } from '../src/record/crc32c.ts';
import { KafkaError } from '../src/common/errors.ts';
import {
  BATCH_HEADER_SIZE,
  CorruptRecordError,
  batchSize,
  checkBatchAt,
  decodeBatch,
  decodeBatches,
  encodeBatch,
  readBatchAt,
  readBatchHeader,
  recordsFrom,
  stampBatch,
  type LogRecord,
} from '../src/record/record-batch.ts';
import { validateBatches } from '../src/record/batch-validator.ts';
import { decodeVarint, decodeVarlong, encodeVarint, encodeVarlong } from '../src/record/varint.ts';
import { assertProperty } from '#lib/testing/property.ts';

const T0 = 1_700_000_000_000;
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Record number n: key `key-n`, value `value-n`, a header on every third. */
function record(n: number): LogRecord {
  return { key: Buffer.from(`key-${n}`), value: Buffer.from(`value-${n}`), timestamp: T0 + n, headers: n % 3 === 0 ? [{ key: 'source', value: Buffer.from('test') }] : [] };
}

function records(first: number, count: number): LogRecord[] {
  return Array.from({ length: count }, (_, i) => record(first + i));
}

/** The error `run` throws (the test fails if it throws none). */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** A copy of `batch` with attributes set to `attributes` and the CRC made to match again. */
function withAttributes(batch: Buffer, attributes: number): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt16BE(attributes, 21);
  copy.writeUInt32BE(crc32c(copy.subarray(21)), 17);
  return copy;
}

describe('varints', () => {
  test('task 2: zigzag varints: small numbers of either sign take one byte', () => {
    const cases: Array<[number, string]> = [
      [0, '00'],
      [-1, '01'],
      [1, '02'],
      [-2, '03'],
      [63, '7e'],
      [-64, '7f'],
      [64, '8001'],
      [300, 'd804'],
      [2 ** 31 - 1, 'feffffff0f'],
      [-(2 ** 31), 'ffffffff0f'],
    ];
    for (const [value, bytes] of cases) {
      expect(encodeVarint(value).toString('hex'), `encodeVarint(${value}): zigzag ((n << 1) ^ (n >> 31)), then 7 bits a byte, low bits first, top bit = more`).toBe(bytes);
      expect(decodeVarint(Buffer.from(bytes, 'hex'), 0), `decodeVarint of ${bytes}`).toEqual({ value, size: bytes.length / 2 });
    }
    expect(encodeVarlong(T0).toString('hex'), 'a timestamp needs a varlong: 41 bits, 6 bytes').toBe('80a0abfef962');
    expect(encodeVarlong(-1).toString('hex')).toBe('01');
  });

  test('task 2: varints and varlongs decode back to what was encoded, and bad ones are refused', () => {
    assertProperty(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger().chain((n) => fc.constantFrom(n, n === 0 ? 0 : -n)), (int, long) => {
        const varint = encodeVarint(int);
        expect(decodeVarint(varint, 0), `varint ${int}`).toEqual({ value: int, size: varint.length });
        const varlong = encodeVarlong(long);
        expect(decodeVarlong(varlong, 0), `varlong ${long}`).toEqual({ value: long, size: varlong.length });
      }),
    );
    expect(() => decodeVarint(Buffer.from('80', 'hex'), 0), 'a varint whose last byte says "more" is cut short').toThrow(/cut short/);
    expect(() => decodeVarint(Buffer.from('8080808080', 'hex'), 0), 'a varint holds at most 5 bytes').toThrow(/5 bytes/);
    expect(() => decodeVarlong(Buffer.from('80808080808080808080', 'hex'), 0), 'a varlong holds at most 10 bytes').toThrow(/10 bytes/);
  });
});

describe('the record batch v2 layout', () => {
  test('task 2: the 61-byte header holds Kafka\'s fields at Kafka\'s positions', () => {
    const batchRecords = [record(1), { ...record(2), timestamp: T0 + 50 }, record(3)];
    const encoded = encodeBatch(42, batchRecords, 7);
    expect(encoded.readBigInt64BE(0), 'bytes 0-7: baseOffset').toBe(42n);
    expect(encoded.readInt32BE(8), 'bytes 8-11: batchLength, the bytes AFTER this field').toBe(encoded.length - 12);
    expect(encoded.readInt32BE(12), 'bytes 12-15: partitionLeaderEpoch').toBe(7);
    expect(encoded.readInt8(16), 'byte 16: magic 2').toBe(2);
    expect(hex(encoded.readUInt32BE(17)), 'bytes 17-20: CRC-32C of bytes 21 to the end').toBe(hex(crc32c(encoded.subarray(21))));
    expect(encoded.readInt16BE(21), 'bytes 21-22: attributes, 0 for uncompressed CreateTime').toBe(0);
    expect(encoded.readInt32BE(23), 'bytes 23-26: lastOffsetDelta').toBe(2);
    expect(encoded.readBigInt64BE(27), 'bytes 27-34: baseTimestamp, the first record\'s').toBe(BigInt(T0 + 1));
    expect(encoded.readBigInt64BE(35), 'bytes 35-42: maxTimestamp, the largest').toBe(BigInt(T0 + 50));
    expect(encoded.readBigInt64BE(43), 'bytes 43-50: producerId -1').toBe(-1n);
    expect(encoded.readInt16BE(51), 'bytes 51-52: producerEpoch -1').toBe(-1);
    expect(encoded.readInt32BE(53), 'bytes 53-56: baseSequence -1').toBe(-1);
    expect(encoded.readInt32BE(57), 'bytes 57-60: recordsCount').toBe(3);
    expect(BATCH_HEADER_SIZE).toBe(61);
    // The first record: length, attributes 0, timestampDelta 0, offsetDelta 0, key "key-1", value "value-1", no headers.
    const first = Buffer.concat([Buffer.from('000000', 'hex'), encodeVarint(5), Buffer.from('key-1'), encodeVarint(7), Buffer.from('value-1'), encodeVarint(0)]);
    expect(encoded.subarray(61, 61 + 1 + first.length).toString('hex'), 'the first record starts at byte 61: its length as a varint, then its fields').toBe(Buffer.concat([encodeVarint(first.length), first]).toString('hex'));
    expect(readBatchHeader(encoded)).toMatchObject({ baseOffset: 42, partitionLeaderEpoch: 7, magic: 2, attributes: 0, lastOffsetDelta: 2, baseTimestamp: T0 + 1, maxTimestamp: T0 + 50, producerId: -1, producerEpoch: -1, baseSequence: -1, recordCount: 3 });
  });

  test('task 2: a batch decodes back to exactly its records: nulls, empty values, headers, timestamps before the first', () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array));
    const arbitraryRecord = fc.record({
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      timestamp: fc.integer({ min: 0, max: 2 ** 47 }),
      headers: fc.array(fc.record({ key: fc.string({ maxLength: 10 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 3 }),
    });
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.array(arbitraryRecord, { minLength: 1, maxLength: 8 }), fc.constantFrom('none' as const, 'gzip' as const), (baseOffset, batchRecords, compression) => {
        const encoded = encodeBatch(baseOffset, batchRecords, 3, { compression });
        const batch = decodeBatch(encoded);
        expect(batch.records, `the decoded records differ from the encoded ones (${compression})`).toEqual(batchRecords);
        expect(batch).toMatchObject({ baseOffset, partitionLeaderEpoch: 3, lastOffsetDelta: batchRecords.length - 1, compression });
        expect(batch.baseTimestamp).toBe(batchRecords[0]!.timestamp);
        expect(batch.maxTimestamp).toBe(Math.max(...batchRecords.map((r) => r.timestamp)));
        expect(batchSize(batch), 'batchSize counts the bytes encodeBatch makes').toBe(encoded.length);
      }),
      { numRuns: 200 },
    );
  });

  test('task 2: empty keys and values are not null ones, and a batch of many records round-trips', () => {
    const edge: LogRecord[] = [
      { key: null, value: null, timestamp: T0, headers: [] },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: T0, headers: [{ key: '', value: Buffer.alloc(0) }, { key: 'k', value: null }] },
    ];
    expect(decodeBatch(encodeBatch(0, edge)).records, 'null (length -1) and empty (length 0) must stay apart').toEqual(edge);
    const many = records(0, 5000);
    const plain = encodeBatch(100, many);
    const gzipped = encodeBatch(100, many, 0, { compression: 'gzip' });
    expect(decodeBatch(plain).records).toEqual(many);
    expect(decodeBatch(gzipped).records).toEqual(many);
    expect(gzipped.readInt16BE(21) & 7, 'attributes bits 0-2: 1 for gzip').toBe(1);
    expect(gzipped.length, '5000 similar records compress well').toBeLessThan(plain.length / 3);
    expect(recordsFrom([decodeBatch(plain)], 5098).map((r) => r.offset), 'record i of a batch has offset baseOffset + i').toEqual([5098, 5099]);
  });
});

/**
 * A batch librdkafka 2.0.2 (kcat 1.7.1) wrote: `kcat -P -K '|' -H source=kcat` with the lines
 * `key-0|{"number": 0}`, `key-1|{"number": 1}` and `|{"number": 2}`, as a broker of this step
 * stored it (the leader stamped base offset 0 and epoch 0; every other byte is kcat's).
 */
const FROM_LIBRDKAFKA =
  '00000000000000000000009b0000000002c7349b82000000000002000001a219a8542d000001a219a8542dffffffffffffffffffffffffffff00000003' +
  '480000000a6b65792d301a7b226e756d626572223a20307d020c736f75726365086b636174' +
  '480000020a6b65792d311a7b226e756d626572223a20317d020c736f75726365086b636174' +
  '3e000004001a7b226e756d626572223a20327d020c736f75726365086b636174';

describe('the same bytes as a real Kafka client', () => {
  test('task 2: a batch librdkafka wrote decodes to its records, and encodeBatch writes those records back to the same bytes', () => {
    const captured = Buffer.from(FROM_LIBRDKAFKA, 'hex');
    const batch = decodeBatch(captured);
    const source = [{ key: 'source', value: Buffer.from('kcat') }];
    expect(batch.records.map(({ key, value, headers }) => ({ key: key?.toString() ?? null, value: value?.toString() ?? null, headers }))).toEqual([
      { key: 'key-0', value: '{"number": 0}', headers: source },
      { key: 'key-1', value: '{"number": 1}', headers: source },
      // kcat -K with nothing before the delimiter sends an empty key, not a null one
      { key: '', value: '{"number": 2}', headers: source },
    ]);
    expect(encodeBatch(0, batch.records, 0).toString('hex'), 'the same records, encoded here').toBe(FROM_LIBRDKAFKA);
  });

  // kafkajs 2.2.4's own record batch encoder (CommonJS, async).
  const require = createRequire(import.meta.url);
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (batch: object) => Promise<{ buffer: Buffer }> };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => unknown;
  const decodeKafkajs = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: object) => Promise<{ records: Array<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp: string; headers: Record<string, Buffer> }> }>;
  const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => object;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue(n: number): unknown };

  /** What kafkajs makes of `records`, given the fields a producer without idempotence sends. */
  async function kafkajsBatch(batchRecords: LogRecord[], compression: 0 | 1): Promise<Buffer> {
    const baseTimestamp = batchRecords[0]!.timestamp;
    const encoded = await RecordBatch({
      compression,
      firstOffset: Long.fromValue(0),
      partitionLeaderEpoch: 0,
      firstTimestamp: baseTimestamp,
      maxTimestamp: Math.max(...batchRecords.map((r) => r.timestamp)),
      lastOffsetDelta: batchRecords.length - 1,
      producerId: Long.fromValue(-1),
      producerEpoch: -1,
      firstSequence: -1,
      records: batchRecords.map((r, i) =>
        Record({ offsetDelta: i, timestampDelta: r.timestamp - baseTimestamp, key: r.key, value: r.value, headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])) }),
      ),
    });
    return encoded.buffer;
  }

  // kafkajs cannot encode a null header value (it measures it before checking for null), so these have none.
  const cases: Array<[string, LogRecord[]]> = [
    ['one record', [record(0)]],
    ['records with headers', records(0, 7)],
    ['a null key and an empty value', [{ key: null, value: Buffer.alloc(0), timestamp: T0, headers: [] }, { key: Buffer.from('k'), value: null, timestamp: T0 + 1, headers: [] }]],
    ['a timestamp before the first, and one far after', [record(5), { ...record(6), timestamp: T0 - 1000 }, { ...record(7), timestamp: T0 + 40 * 24 * 3600 * 1000 }]],
    ['300 records with 200-byte values', Array.from({ length: 300 }, (_, i) => ({ ...record(i), value: Buffer.alloc(200, i) }))],
    ['UTF-8 header keys', [{ ...record(1), headers: [{ key: 'émoji-🙂', value: Buffer.from('ü') }, { key: 'b', value: Buffer.from('') }] }]],
  ];

  for (const [what, batchRecords] of cases) {
    test(`task 2: ${what}: encodeBatch and kafkajs write identical bytes, uncompressed and gzip`, async () => {
      const ours = encodeBatch(0, batchRecords);
      const theirs = await kafkajsBatch(batchRecords, 0);
      expect(ours.toString('hex'), 'encodeBatch should write the bytes kafkajs writes for the same records').toBe(theirs.toString('hex'));
      const oursGzip = encodeBatch(0, batchRecords, 0, { compression: 'gzip' });
      const theirsGzip = await kafkajsBatch(batchRecords, 1);
      expect(oursGzip.toString('hex'), 'gzip: the records section (after recordsCount) gzipped with zlib\'s defaults').toBe(theirsGzip.toString('hex'));
      expect(decodeBatch(theirs).records, 'decodeBatch reads what kafkajs wrote').toEqual(batchRecords);
      expect(decodeBatch(theirsGzip).records).toEqual(batchRecords);
    });
  }

  test('task 2: kafkajs\'s decoder reads what encodeBatch wrote', async () => {
    const batchRecords = records(10, 5);
    for (const compression of ['none', 'gzip'] as const) {
      const decoded = await decodeKafkajs(new Decoder(encodeBatch(10, batchRecords, 0, { compression })));
      expect(decoded.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.timestamp]), `kafkajs decoding a ${compression} batch`).toEqual(
        batchRecords.map((r, i) => [String(10 + i), r.key!.toString(), r.value!.toString(), String(r.timestamp)]),
      );
    }
  });
});

describe('whole, torn and corrupt batches', () => {
  test('task 2: a batch cut at any byte is "torn", never a batch', () => {
    const encoded = encodeBatch(7, records(7, 4));
    for (let cut = 1; cut < encoded.length; cut++) {
      const found = readBatchAt(encoded.subarray(0, cut), 0);
      expect(found.kind, `a batch of ${encoded.length} bytes cut after ${cut} bytes should be "torn"`).toBe('torn');
    }
  });

  test('task 2: a flipped byte from the magic on makes the batch corrupt; baseOffset and the leader epoch are not checked', () => {
    for (const compression of ['none', 'gzip'] as const) {
      const encoded = encodeBatch(7, records(7, 4), 0, { compression });
      for (let at = 16; at < encoded.length; at++) {
        const damaged = Buffer.from(encoded);
        damaged[at] = damaged[at]! ^ 0x01;
        expect(readBatchAt(damaged, 0).kind, `${compression}: with byte ${at} flipped, the batch must not read as valid (the CRC covers bytes 21 to the end, the magic is checked on its own)`).toBe('corrupt');
      }
      // Outside the CRC, as in Kafka, so that the leader can stamp them (recovery checks offsets another way).
      const stamped = Buffer.from(encoded);
      stampBatch(stamped, 0, 1234, 9);
      expect(readBatchAt(stamped, 0).kind, 'a stamped batch is still valid').toBe('batch');
    }
  });

  test('task 2: stampBatch writes the base offset and the epoch in place and nothing else', () => {
    const first = encodeBatch(0, records(0, 2));
    const set = Buffer.concat([first, encodeBatch(0, records(0, 3))]);
    const before = Buffer.from(set);
    const second = first.length;
    stampBatch(set, second, 500, 4);
    expect(readBatchHeader(set, second)).toMatchObject({ baseOffset: 500, partitionLeaderEpoch: 4 });
    for (let i = 0; i < set.length; i++) {
      const stampedField = i >= second && (i < second + 8 || (i >= second + 12 && i < second + 16));
      if (!stampedField) expect(set[i], `byte ${i} is not the base offset or the epoch and must not change`).toBe(before[i]);
    }
    expect(decodeBatches(set).map((b) => b.baseOffset)).toEqual([0, 500]);
  });

  test('task 3: a batch in another format (magic 0 or 1) is refused as corrupt and says why', () => {
    const legacy = encodeBatch(0, records(0, 2));
    legacy.writeInt8(1, 16);
    const found = checkBatchAt(legacy, 0);
    expect(found.kind).toBe('corrupt');
    expect(found.kind === 'corrupt' && found.reason, 'the reason should name the magic byte').toMatch(/magic 1/);
    const error = thrown(() => validateBatches(legacy));
    expect(error, 'validateBatches refuses it with CORRUPT_MESSAGE').toBeInstanceOf(CorruptRecordError);
    expect((error as KafkaError).code).toBe('CORRUPT_MESSAGE');
  });

  test('task 3: a CRC that matches over nonsense records is "corrupt", not a crash', () => {
    const encoded = encodeBatch(0, records(0, 1));
    // From the first record's attributes on, 0xff bytes: its timestamp delta becomes a varlong that never ends.
    encoded.fill(0xff, 62);
    encoded.writeUInt32BE(crc32c(encoded.subarray(21)), 17);
    let found;
    expect(() => (found = readBatchAt(encoded, 0)), 'readBatchAt must never throw on bad bytes').not.toThrow();
    expect(found!.kind).toBe('corrupt');
    expect(thrown(() => validateBatches(encoded))).toBeInstanceOf(CorruptRecordError);
    // A gzip section that is not gzip.
    const badGzip = encodeBatch(0, records(0, 1), 0, { compression: 'gzip' });
    badGzip.fill(0x00, 61);
    badGzip.writeUInt32BE(crc32c(badGzip.subarray(21)), 17);
    expect(readBatchAt(badGzip, 0).kind).toBe('corrupt');
  });
});

describe('decoding a fetched record set', () => {
  test('task 2: decodeBatches returns the whole batches and ignores a partial one at the end', () => {
    const set = Buffer.concat([encodeBatch(0, records(0, 2)), encodeBatch(2, records(2, 3), 0, { compression: 'gzip' }), encodeBatch(5, records(5, 4))]);
    expect(decodeBatches(set).map((b) => b.baseOffset)).toEqual([0, 2, 5]);
    expect(decodeBatches(Buffer.alloc(0))).toEqual([]);
    for (const cut of [set.length - 1, set.length - 40, set.length - 60]) {
      expect(decodeBatches(set.subarray(0, cut)).map((b) => b.baseOffset), `cut to ${cut} bytes (a fetch cut by its byte limit)`).toEqual([0, 2]);
    }
    const damaged = Buffer.from(set);
    damaged[set.length - 5]! ^= 0xff;
    expect(thrown(() => decodeBatches(damaged)), 'a corrupt batch is an error, not a partial one').toBeInstanceOf(CorruptRecordError);
  });
});

describe('validating what a producer sent', () => {
  test('task 3: validateBatches says where each batch is, how big, and how many records it holds', () => {
    const a = encodeBatch(0, records(0, 2));
    const b = encodeBatch(0, records(0, 5), 0, { compression: 'gzip' });
    expect(validateBatches(Buffer.concat([a, b]))).toEqual([
      { position: 0, size: a.length, baseOffset: 0, partitionLeaderEpoch: 0, recordCount: 2 },
      { position: a.length, size: b.length, baseOffset: 0, partitionLeaderEpoch: 0, recordCount: 5 },
    ]);
  });

  test('task 3: an empty record set, a torn batch and a record count that disagrees are CORRUPT_MESSAGE', () => {
    const good = encodeBatch(0, records(0, 3));
    const problems: Array<[string, Buffer, RegExp]> = [
      ['an empty record set', Buffer.alloc(0), /empty/],
      ['a batch cut short', good.subarray(0, good.length - 1), /cut short/],
      ['a second batch cut short', Buffer.concat([good, good.subarray(0, 30)]), /batch 1 .*cut short/],
      ['a batchLength too small for a header', Buffer.concat([good.subarray(0, 8), Buffer.from('00000010', 'hex'), good.subarray(12)]), /smaller than a batch header/],
      ['a flipped byte', Buffer.concat([good.subarray(0, 70), Buffer.of(good[70]! ^ 1), good.subarray(71)]), /checksum/],
    ];
    const wrongCount = Buffer.from(good);
    wrongCount.writeInt32BE(4, 57);
    wrongCount.writeUInt32BE(crc32c(wrongCount.subarray(21)), 17);
    problems.push(['recordsCount 4 with lastOffsetDelta 2', wrongCount, /4 records but lastOffsetDelta 2/]);
    const noRecords = Buffer.from(good);
    noRecords.writeInt32BE(0, 57);
    noRecords.writeInt32BE(-1, 23);
    noRecords.writeUInt32BE(crc32c(noRecords.subarray(21)), 17);
    problems.push(['no records', noRecords, /0 records/]);
    for (const [what, recordSet, message] of problems) {
      const error = thrown(() => validateBatches(recordSet));
      expect(error, `${what}: validateBatches should throw CorruptRecordError`).toBeInstanceOf(CorruptRecordError);
      expect((error as KafkaError).code, what).toBe('CORRUPT_MESSAGE');
      expect(error.message, `${what}: the message should say what is wrong`).toMatch(message);
    }
  });

  test('task 3: snappy, lz4 and zstd are UNSUPPORTED_COMPRESSION_TYPE; transactions are refused', () => {
    const good = encodeBatch(0, records(0, 2));
    for (const [codec, name] of [[2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
      const error = thrown(() => validateBatches(withAttributes(good, codec)));
      expect(error, `codec ${codec}`).toBeInstanceOf(KafkaError);
      expect((error as KafkaError).code, `a batch compressed with ${name} (attributes bits 0-2 = ${codec})`).toBe('UNSUPPORTED_COMPRESSION_TYPE');
      expect(error.message).toMatch(name);
    }
    expect((thrown(() => validateBatches(withAttributes(good, 0x10))) as KafkaError).code, 'transactional (bit 4)').toBe('INVALID_RECORD');
    expect((thrown(() => validateBatches(withAttributes(good, 0x20))) as KafkaError).code, 'control (bit 5)').toBe('INVALID_RECORD');
    expect((thrown(() => validateBatches(good, { maxBatchBytes: good.length - 1 })) as KafkaError).code, 'over maxBatchBytes').toBe('MESSAGE_TOO_LARGE');
    expect(validateBatches(good, { maxBatchBytes: good.length })).toHaveLength(1);
  });

  test('task 2: LogAppendTime batches give every record the batch\'s maxTimestamp', () => {
    const appendTime = withAttributes(encodeBatch(0, records(0, 3)), 0x08);
    expect(decodeBatch(appendTime).records.map((r) => r.timestamp)).toEqual([T0 + 2, T0 + 2, T0 + 2]);
  });

  test('task 2: gzip is the records section only: the header stays readable', () => {
    const batchRecords = records(0, 4);
    const gzipped = encodeBatch(0, batchRecords, 0, { compression: 'gzip' });
    const plain = encodeBatch(0, batchRecords);
    expect(gzipped.subarray(61).equals(gzipSync(plain.subarray(61))), 'the bytes after recordsCount are gzipSync of the uncompressed records').toBe(true);
    expect(readBatchHeader(gzipped).recordCount).toBe(4);
  });
});
