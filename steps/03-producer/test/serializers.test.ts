import { describe, expect, test } from 'vitest';
import { bytesSerializer, jsonSerializer, stringSerializer } from '../src/index.ts';

const hex = (bytes: Buffer | null) => (bytes === null ? null : bytes.toString('hex'));

describe('task 3: serializers', () => {
  test('task 3: stringSerializer writes UTF-8 and keeps null', () => {
    expect(hex(stringSerializer('héllo', 't')), '"héllo" in UTF-8 (é is two bytes)').toBe('68c3a96c6c6f');
    expect(stringSerializer(null, 't'), 'null stays null (a record without a key, or a tombstone)').toBeNull();
    expect(() => stringSerializer(42 as unknown as string, 't'), 'a number is not a string: throw').toThrow();
  });

  test('task 3: jsonSerializer writes JSON text in UTF-8, like kafka-python\'s dumps(x).encode(\'utf-8\')', () => {
    expect(jsonSerializer({ number: 7 }, 't')?.toString('utf8'), 'an object becomes its JSON').toBe('{"number":7}');
    expect(jsonSerializer(0, 't')?.toString('utf8'), '0 is a value, not "nothing"').toBe('0');
    expect(jsonSerializer(null, 't'), 'null stays null').toBeNull();
    expect(() => jsonSerializer(undefined, 't'), 'undefined has no JSON: JSON.stringify returns undefined, the serializer must throw').toThrow();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => jsonSerializer(loop, 't'), 'a circular object cannot be JSON: throw').toThrow();
  });

  test('task 3: bytesSerializer passes bytes through and takes strings as UTF-8', () => {
    expect(hex(bytesSerializer(Buffer.from([0, 255]), 't')), 'a Buffer as it is').toBe('00ff');
    expect(hex(bytesSerializer(new Uint8Array([1, 2, 3]).subarray(1), 't')), 'a Uint8Array view: only its own bytes').toBe('0203');
    expect(hex(bytesSerializer('ok', 't')), 'a string as UTF-8').toBe('6f6b');
    expect(bytesSerializer(null, 't'), 'null stays null').toBeNull();
    expect(() => bytesSerializer({ n: 1 } as unknown as string, 't'), 'an object is not bytes: throw and say to pass a serializer').toThrow(/serializer/i);
  });
});
