// Task 1: Kafka's primitive types. Every request and response is built from them, and every
// length a client sends is checked against the bytes really there before anything is allocated.
import { describe, expect, test } from 'vitest';
import { InvalidRequestError, Reader, array, bytes, decode, encode, int16, int32, int64, nullableBytes, nullableString, string, struct } from '../src/index.ts';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('primitive types', () => {
  test('task 1: integers are big-endian two\'s complement of 2, 4 and 8 bytes', () => {
    expect(hex(encode(int16, 1))).toBe('0001');
    expect(hex(encode(int16, -1))).toBe('ffff');
    expect(hex(encode(int32, 258))).toBe('00000102');
    expect(hex(encode(int64, 2 ** 40))).toBe('0000010000000000');
    expect(decode(int64, Buffer.from('ffffffffffffffff', 'hex'), 'an offset')).toBe(-1);
  });

  test('task 1: a string is an int16 length in BYTES of UTF-8, then the bytes; a nullable string is length -1 for null', () => {
    expect(hex(encode(string, 'kafka'))).toBe('00056b61666b61');
    // "é" takes two bytes in UTF-8: the length counts bytes, not characters.
    expect(hex(encode(string, 'é'))).toBe('0002c3a9');
    expect(hex(encode(nullableString, null))).toBe('ffff');
    expect(decode(nullableString, Buffer.from('ffff', 'hex'), 'client_id')).toBeNull();
    expect(decode(string, encode(string, 'numtest'), 'a topic')).toBe('numtest');
    expect(() => decode(string, Buffer.from('ffff', 'hex'), 'a topic name'), 'null where a string may not be null').toThrow(InvalidRequestError);
  });

  test('task 1: bytes carry an int32 length (-1 for null); an array an int32 count, then its items', () => {
    expect(hex(encode(bytes, Buffer.from([1, 2])))).toBe('000000020102');
    expect(hex(encode(nullableBytes, null))).toBe('ffffffff');
    expect(hex(encode(array(int16), [1, 2]))).toBe('0000000200010002');
    const pair = struct({ name: string, partition: int32 });
    expect(hex(encode(pair, { name: 'a', partition: 7 })), 'a struct writes its fields in order, with nothing between them').toBe('00016100000007');
    expect(decode(array(pair), encode(array(pair), [{ name: 'a', partition: 1 }, { name: 'b', partition: 2 }]), 'topics')).toEqual([{ name: 'a', partition: 1 }, { name: 'b', partition: 2 }]);
  });

  test('task 1: a message much larger than the writer\'s first buffer is written whole, every byte where it belongs', () => {
    const topics = struct({ names: array(string), payload: bytes, count: int32 });
    const value = { names: Array.from({ length: 500 }, (_, i) => `topic-${i}`), payload: Buffer.alloc(100_000, 7), count: 42 };
    expect(decode(topics, encode(topics, value), 'a big message')).toEqual(value);
  });

  test('task 1: a message cut short is refused with InvalidRequestError naming what was cut, never a RangeError', () => {
    const topic = struct({ name: string, partition: int32 });
    const whole = encode(topic, { name: 'numtest', partition: 3 });
    for (let cut = 0; cut < whole.length; cut++) {
      let thrown: unknown;
      try {
        decode(topic, whole.subarray(0, cut), 'a topic');
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `decoding the first ${cut} of ${whole.length} bytes should throw InvalidRequestError`).toBeInstanceOf(InvalidRequestError);
    }
    expect(() => decode(topic, Buffer.from('00ff61', 'hex'), 'a topic')).toThrow(/ends in the middle of/);
  });

  test('task 1: a length or count larger than the bytes left is refused before anything is allocated', () => {
    // 2^31 - 1 items announced, 4 bytes of them sent: allocating first would ask for gigabytes.
    const lying = Buffer.from('7fffffff00000001', 'hex');
    expect(() => new Reader(lying).count('topics')).toThrow(InvalidRequestError);
    expect(() => decode(array(int32), lying, 'partitions')).toThrow(/claims 2147483647 items/);
    expect(() => decode(bytes, Buffer.from('7fffffff', 'hex'), 'records')).toThrow(InvalidRequestError);
    expect(() => decode(array(int32), Buffer.from('fffffffe', 'hex'), 'partitions'), 'a count below -1').toThrow(InvalidRequestError);
  });
});
