import { describe, expect, test } from 'vitest';
import { defaultPartitioner, murmur2, partitionForKey, StickyPartitioner, toPositive } from '../src/index.ts';

// The vectors of Apache Kafka's own test suite (UtilsTest.testMurmur2 in the Java client).
const KAFKA_VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('task 1: murmur2, as Kafka computes it', () => {
  test('task 1: murmur2 gives the values of Kafka\'s own test suite', () => {
    const wrong = KAFKA_VECTORS.map(([key, expected]) => ({ key, expected, got: murmur2(Buffer.from(key)) })).filter(
      ({ expected, got }) => got !== expected,
    );
    expect(
      wrong.map(({ key, expected, got }) => `murmur2("${key}") should be ${expected}, got ${got}`),
      'murmur2 must match the Java client bit for bit (a signed 32-bit result: finish with `| 0`; multiply with Math.imul)',
    ).toEqual([]);
  });

  test('task 1: murmur2 handles every tail length (0 to 3 bytes after the 4-byte blocks) and bytes above 127', () => {
    // Lengths 0..7 cover each tail twice; 0xff bytes catch sign mistakes when reading bytes.
    const got = [0, 1, 2, 3, 4, 5, 6, 7].map((length) => murmur2(Buffer.alloc(length, 0xff)));
    expect(got, 'murmur2 of 0..7 bytes of 0xff').toEqual([
      275646681, -311467685, -1642832928, 1548199422, 644171429, -363838622, 28450676, -71293549,
    ]);
    // A 9-byte key, one byte of tail: the value other Kafka clients (franz-go, librdkafka) agree on.
    expect(murmur2(Buffer.from('order-100')), 'murmur2("order-100")').toBe(-955961047);
  });

  test('task 1: toPositive clears the sign bit (a mask, not Math.abs)', () => {
    expect(toPositive(5), 'a positive number stays as it is').toBe(5);
    expect(toPositive(-973932308), 'toPositive(-973932308) is -973932308 & 0x7fffffff').toBe(1173551340);
    expect(toPositive(-2147483648), 'the smallest int: Math.abs would keep it negative, the mask gives 0').toBe(0);
  });
});

describe('task 2: choosing a partition', () => {
  test('task 2: a key goes to toPositive(murmur2(key)) % numPartitions', () => {
    // "21" hashes to a negative number: with 3 partitions the mask gives 0 and Math.abs gives 2.
    expect(partitionForKey(Buffer.from('21'), 3), 'key "21" with 3 partitions (murmur2 is negative: use toPositive, not Math.abs)').toBe(0);
    expect(partitionForKey(Buffer.from('a-little-bit-longer-string'), 6), 'key "a-little-bit-longer-string" with 6 partitions').toBe(5);
    expect(partitionForKey(Buffer.from('abc'), 7), 'key "abc" with 7 partitions').toBe(4);
    expect(partitionForKey(Buffer.from('anything'), 1), 'with one partition every key goes to 0').toBe(0);
  });

  test('task 2: the same key always lands on the same partition, whatever else was sent', () => {
    const partitioner = defaultPartitioner();
    const input = (key: string) => ({ topic: 'orders', key: Buffer.from(key), value: Buffer.from('v'), numPartitions: 5 });
    const first = ['user-1', 'user-2', 'user-3'].map((key) => partitioner(input(key)));
    for (let round = 0; round < 20; round++) partitioner({ topic: 'orders', key: null, value: Buffer.alloc(1000), numPartitions: 5 });
    const again = ['user-1', 'user-2', 'user-3'].map((key) => partitioner(input(key)));
    expect(again, 'user-1, user-2, user-3 should keep their partitions').toEqual(first);
    expect(first, 'user-1, user-2, user-3 with 5 partitions (Kafka puts them on 3, 1, 2)').toEqual([3, 1, 2]);
  });

  test('task 2: records without a key stick to one partition until a batch worth of bytes went there', () => {
    const sticky = new StickyPartitioner(100);
    const chosen = Array.from({ length: 30 }, () => sticky.partition('clicks', 4, 10));
    const runs = chosen.reduce<number[][]>((acc, partition, index) => {
      if (index === 0 || chosen[index - 1] !== partition) acc.push([]);
      acc.at(-1)!.push(partition);
      return acc;
    }, []);
    expect(
      runs.map((run) => run.length),
      `10-byte records with stickyBytes 100 should come in runs of 10 on one partition, got partitions ${chosen.join(',')}`,
    ).toEqual([10, 10, 10]);
    expect(chosen.every((partition) => partition >= 0 && partition < 4), `partitions must be in [0, 4), got ${chosen.join(',')}`).toBe(true);
  });

  test('task 2: each topic has its own sticky partition', () => {
    const sticky = new StickyPartitioner(100, () => 0.99);
    const a = sticky.partition('a', 10, 10);
    const b = sticky.partition('b', 3, 10);
    expect([a, b], 'with random() = 0.99, topic a (10 partitions) starts on 9 and topic b (3 partitions) on 2').toEqual([9, 2]);
    expect(sticky.partition('a', 10, 10), 'topic a keeps its partition').toBe(9);
  });

  test('task 2: the default partitioner hashes keys and sticks for null keys', () => {
    const partitioner = defaultPartitioner({ batchSize: 50 });
    const nullKeyed = Array.from({ length: 10 }, () => partitioner({ topic: 't', key: null, value: Buffer.alloc(10), numPartitions: 3 }));
    expect(new Set(nullKeyed.slice(0, 5)).size, `the first 5 null-key records (50 bytes) share a partition, got ${nullKeyed.join(',')}`).toBe(1);
    expect(nullKeyed[5], `the 6th null-key record moves to another partition, got ${nullKeyed.join(',')}`).not.toBe(nullKeyed[0]);
    expect(partitioner({ topic: 't', key: Buffer.from('21'), value: null, numPartitions: 3 }), 'key "21" with 3 partitions').toBe(0);
  });
});
