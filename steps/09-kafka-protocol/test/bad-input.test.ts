// A broker never crashes on what a client sends. Ten thousand binary requests, some well formed,
// most broken on purpose (cut short, a length that lies, flipped bytes, garbage, unknown apis),
// from a seeded generator so that a failure reproduces, while a well-behaved client keeps
// producing and fetching on its own connection and must never notice.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { APIS, encodeBatch, encodeRequest, type RequestBody, type RequestType } from '../src/index.ts';
import { Prng } from '#lib/chaos/prng.ts';
import { brokenKafkaFrame } from '#lib/testing/broken-kafka-frames.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { startLoggedBroker } from './helpers.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';

/** Any request a client may send, whichever its type. */
type AnyRequest = { [K in RequestType]: RequestBody<K> }[RequestType];

const cleanup = useCleanup();
const tempDir = useTempDirs();
const SEED = 20261126;
const FRAMES = 10_000;

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
    const prng = new Prng(SEED);
    const next = () => prng.next();
    const valid = validRequests();
    const heapBefore = process.memoryUsage().heapUsed;
    let sent = 0;
    let goodWrites = 0;
    while (sent < FRAMES) {
      const frames = Array.from({ length: 50 }, () => brokenKafkaFrame(next, valid));
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
