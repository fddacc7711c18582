import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FrameDecoder, FrameTooLargeError, encodeFrame } from '../src/index.ts';
import { assertProperty } from '#lib/testing/property.ts';

/** A few payloads of awkward sizes: empty, one byte, and longer than a length prefix. */
const PAYLOADS = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([0]), Buffer.from('a somewhat longer message, 41 bytes long.')];
/** The same frames, encoded by hand (independently of encodeFrame) and joined into one stream. */
const STREAM = Buffer.concat(PAYLOADS.map((payload) => Buffer.concat([lengthOf(payload.length), payload])));

function lengthOf(length: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length, 0);
  return prefix;
}

/** Feeds the chunks to a fresh decoder and returns every frame it produced, as strings. */
function decodeAll(chunks: Buffer[]): string[] {
  const decoder = new FrameDecoder();
  return chunks.flatMap((chunk) => decoder.push(chunk)).map((frame) => frame.toString('latin1'));
}

const expected = PAYLOADS.map((payload) => payload.toString('latin1'));

describe('task 1: encode a frame', () => {
  test('task 1: encodeFrame writes a 4-byte big-endian length, then the payload', () => {
    const frame = encodeFrame(Buffer.from('hello'));
    expect([...frame.subarray(0, 4)], 'the first 4 bytes are the payload length, big-endian: 5 is 00 00 00 05').toEqual([0, 0, 0, 5]);
    expect(frame.subarray(4).toString(), 'after the length comes the payload itself').toBe('hello');
    expect(frame.length, 'a frame is exactly 4 + payload bytes long').toBe(9);
  });

  test('task 1: encodeFrame handles an empty payload and a length above 255', () => {
    expect([...encodeFrame(Buffer.alloc(0))], 'an empty payload is a frame of just the length 0').toEqual([0, 0, 0, 0]);
    const big = encodeFrame(Buffer.alloc(70_000, 1));
    expect(big.readUInt32BE(0), 'the length must use all 4 bytes: 70000 does not fit in one').toBe(70_000);
    expect(big.length).toBe(70_004);
  });
});

describe('task 2: decode a stream of frames', () => {
  test('task 2: a chunk holding exactly one frame gives that frame', () => {
    expect(decodeAll([Buffer.concat([lengthOf(5), Buffer.from('hello')])])).toEqual(['hello']);
  });

  test('task 2: a chunk holding several frames gives all of them, in order', () => {
    expect(decodeAll([STREAM]), 'one chunk carried 4 frames; push() must return every whole frame in it, not just the first').toEqual(expected);
  });

  test('task 2: the stream cut at every possible point still gives every frame', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const frames = decodeAll([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      expect(frames, `stream of ${STREAM.length} bytes cut into two chunks at byte ${cut}: keep the incomplete bytes for the next push()`).toEqual(expected);
    }
  });

  test('task 2: the stream delivered one byte at a time still gives every frame', () => {
    const bytes = [...STREAM].map((byte) => Buffer.from([byte]));
    expect(decodeAll(bytes), 'even the 4 length bytes can arrive in separate chunks').toEqual(expected);
  });

  test('task 2: any split of a stream of random frames gives back exactly those frames', () => {
    const frames = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 });
    assertProperty(
      fc.property(frames, fc.array(fc.nat(), { maxLength: 20 }), (payloads, cutPoints) => {
        const stream = Buffer.concat(payloads.map((payload) => Buffer.concat([lengthOf(payload.length), Buffer.from(payload)])));
        const cuts = [...new Set(cutPoints.map((point) => point % (stream.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...cuts].map((start, i) => stream.subarray(start, [...cuts, stream.length][i]));
        const decoded = decodeAll(chunks);
        expect(decoded, `frames of sizes [${payloads.map((p) => p.length)}] cut at [${cuts}]`).toEqual(payloads.map((p) => Buffer.from(p).toString('latin1')));
      }),
      { numRuns: 300 },
    );
  });

  test('task 2: a 4 MiB frame arriving in 64 KiB chunks comes out whole', () => {
    const payload = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) % 251;
    const stream = Buffer.concat([lengthOf(payload.length), payload]);
    const decoder = new FrameDecoder();
    const frames: Buffer[] = [];
    for (let start = 0; start < stream.length; start += 65_536) frames.push(...decoder.push(stream.subarray(start, start + 65_536)));
    expect(frames.length, 'one 4 MiB frame in 64 chunks should come out as exactly one frame, after the last chunk').toBe(1);
    expect(frames[0]!.equals(payload), 'the frame should be the payload, byte for byte').toBe(true);
  });

  test('task 2: a length over maxFrameBytes is refused as soon as the 4 length bytes arrive', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1000 });
    expect(() => decoder.push(lengthOf(1001)), 'a frame announcing 1001 bytes with maxFrameBytes 1000 must throw FrameTooLargeError right away, before any payload arrives').toThrow(FrameTooLargeError);
    const exact = new FrameDecoder({ maxFrameBytes: 1000 });
    expect(exact.push(Buffer.concat([lengthOf(1000), Buffer.alloc(1000)])).length, 'a frame of exactly maxFrameBytes is allowed').toBe(1);
  });

  test('task 2: the default limit is Kafka\'s 100 MiB, so a garbage length such as "GET " is refused', () => {
    const decoder = new FrameDecoder();
    // An HTTP request sent to the broker: its first 4 bytes read as a length of 1 195 725 856.
    expect(() => decoder.push(Buffer.from('GET / HTTP/1.1\r\n')), 'with no option, maxFrameBytes is 104857600 (socket.request.max.bytes)').toThrow(FrameTooLargeError);
  });
});
