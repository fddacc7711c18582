// A broker never crashes on what a client sends. Ten thousand binary requests, some well formed,
// most broken on purpose (cut short, a length that lies, flipped bytes, garbage, unknown apis),
// from a seeded generator so that a failure reproduces, while a well-behaved client keeps
// producing and fetching on its own connection and must never notice.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { APIS, encodeBatch, encodeRequest, type RequestBody, type RequestType } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { startLoggedBroker } from './helpers.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';

/** Any request a client may send, whichever its type. */
type AnyRequest = { [K in RequestType]: RequestBody<K> }[RequestType];

const cleanup = useCleanup();
const tempDir = useTempDirs();
const SEED = 20261126;
const FRAMES = 10_000;

/** mulberry32: a tiny seeded generator, so the same seed sends the same bytes. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Valid requests of every kind a client sends, as a starting point for mutations. */
function validRequests(): Buffer[] {
  const batch = encodeBatch(0, [{ key: Buffer.from('k'), value: Buffer.from('fuzzed'), timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: Buffer.from('v') }] }]);
  const bodies: AnyRequest[] = [
    { type: 'apiVersions' },
    // allowAutoTopicCreation false: a mutated topic name must not create thousands of topics
    { type: 'metadata', topics: ['fuzzed'], allowAutoTopicCreation: false },
    { type: 'produce', acks: 1, timeoutMs: 1000, batches: [{ topic: 'fuzzed', partition: 0, records: batch }] },
    { type: 'fetch', replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitions: [{ topic: 'fuzzed', partition: 0, offset: 0 }] },
    { type: 'listOffsets', partitions: [{ topic: 'fuzzed', partition: 0, timestamp: -1 }] },
    { type: 'findCoordinator', key: 'group' },
    { type: 'offsetFetch', groupId: 'group', partitions: [{ topic: 'fuzzed', partition: 0 }] },
    { type: 'heartbeat', groupId: 'group', generationId: 1, memberId: 'm' },
  ];
  return bodies.map((body, i) => {
    const codec = APIS[body.type];
    return encodeRequest({ apiKey: codec.key, apiVersion: codec.maxVersion, correlationId: i, clientId: 'fuzzer' }, codec.requestSchema(codec.maxVersion), codec.requestToWire(body as never, codec.maxVersion));
  });
}

/** One frame: a valid request, or one broken in one of the ways a buggy or hostile client breaks them. */
function mutate(next: () => number, valid: Buffer[]): Buffer {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const frame = Buffer.from(pick(valid));
  const kind = Math.floor(next() * 7);
  switch (kind) {
    case 0:
      return frame; // well formed
    case 1: {
      // flipped bytes anywhere after the size
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) frame[4 + Math.floor(next() * (frame.length - 4))] = Math.floor(next() * 256);
      return frame;
    }
    case 2: {
      // cut short, with the size saying so (a truncated body)
      const cut = frame.subarray(0, 4 + Math.floor(next() * (frame.length - 4)));
      cut.writeInt32BE(cut.length - 4, 0);
      return cut;
    }
    case 3: {
      // a length or count inside the body that lies: a huge int32 somewhere
      const at = 4 + 8 + Math.floor(next() * Math.max(1, frame.length - 16));
      if (at + 4 <= frame.length) frame.writeInt32BE(pick([0x7fffffff, -2, 1 << 30, 65_536]), at);
      return frame;
    }
    case 4: {
      // an api key or version nobody speaks
      frame.writeInt16BE(pick([-1, 99, 1000, 32_767]), 4 + (next() < 0.5 ? 0 : 2));
      return frame;
    }
    case 5: {
      // garbage with a plausible size
      const garbage = Buffer.alloc(4 + Math.floor(next() * 64));
      for (let i = 4; i < garbage.length; i++) garbage[i] = Math.floor(next() * 256);
      garbage.writeInt32BE(garbage.length - 4, 0);
      return garbage;
    }
    default: {
      // a string length of -1 where a string may not be null, or a negative array count
      const at = 4 + 10 + Math.floor(next() * Math.max(1, frame.length - 16));
      if (at + 2 <= frame.length) frame.writeInt16BE(-1, at);
      return frame;
    }
  }
}

/** Writes frames on one connection until the broker hangs up on it (as it does after a bad one) or all are sent. */
async function sendUntilClosed(port: number, frames: Buffer[]): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('data', () => {}); // read answers, so the broker is never blocked on us
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()).once('close', () => resolve()));
  let sent = 0;
  for (const frame of frames) {
    if (socket.destroyed) break;
    socket.write(frame);
    sent++;
  }
  socket.end();
  await closed;
  return sent;
}

describe('bad input', () => {
  test('task 6: 10 000 random and broken binary requests leave the broker serving a well-behaved client, with memory bounded', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    const { port } = started;
    // The well-behaved client: its requests go through the step's own Connection, on a connection of its own.
    const good = started;
    const record = (n: number) => encodeBatch(0, [{ key: null, value: Buffer.from(`good ${n}`), timestamp: Date.now(), headers: [] }]);
    // The fuzzed requests name 'fuzzed'; the good client writes to 'fuzz', where it alone writes.
    await good.ask({ type: 'createTopics', topics: [{ name: 'fuzz', partitions: 1 }, { name: 'fuzzed', partitions: 1 }] });
    const next = random(SEED);
    const valid = validRequests();
    const heapBefore = process.memoryUsage().heapUsed;
    let sent = 0;
    let goodWrites = 0;
    while (sent < FRAMES) {
      const frames = Array.from({ length: 50 }, () => mutate(next, valid));
      // The broker closes a connection after a request it cannot read; the rest of that batch is simply not sent.
      sent += Math.max(1, await sendUntilClosed(port, frames));
      if (sent % 500 < 50) {
        const { results } = await good.ask({ type: 'produce', acks: 1, timeoutMs: 1000, batches: [{ topic: 'fuzz', partition: 0, records: record(++goodWrites) }] });
        expect(results[0]?.error, `a well-behaved client's produce failed after ${sent} fuzzed frames (seed ${SEED})`).toBeUndefined();
      }
    }
    const { apiKeys } = await good.ask({ type: 'apiVersions' });
    expect(apiKeys.length, 'the broker still answers ApiVersions').toBeGreaterThan(0);
    const { results } = await good.ask({ type: 'produce', acks: 1, timeoutMs: 1000, batches: [{ topic: 'fuzz', partition: 0, records: record(++goodWrites) }] });
    expect(results[0], 'every good write took its own offset, in order').toEqual({ topic: 'fuzz', partition: 0, baseOffset: goodWrites - 1 });
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    expect(grownMb, `the heap grew ${grownMb.toFixed(0)} MiB while fuzzing: sizes must be checked before anything is allocated`).toBeLessThan(200);
  });
});
