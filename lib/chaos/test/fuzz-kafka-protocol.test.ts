// The binary counterpart of fuzz-json-protocol.test.ts: ten thousand seeded, mostly broken Kafka
// protocol requests READ by step 09's reference broker, running as a process of its own, while a
// well-behaved client produces on its own connection and the broker's memory is watched.
//
// Step 09's own test (steps/09-kafka-protocol/test/bad-input.test.ts, task 6) writes 10 000 frames
// too, 50 to a connection, but the broker hangs up after a request it cannot read, and what was
// written after that request is never read: with its seed, 176 of the 10 000 frames get an answer.
// That keeps a student's test quick. Here an ApiVersions request of our own follows every fuzzed
// frame, and the answers to ours (the broker answers in order) count the frames it really read;
// the run goes on until ten thousand were. It takes longer, so it runs on the reference only, as
// part of `npm test`.
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { residentMiB, startBrokerProcess } from '../../testing/broker-process.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { brokenKafkaFrame } from '../../testing/broken-kafka-frames.ts';
import { within } from '../../testing/wait.ts';
import { Prng } from '../prng.ts';

const SRC = path.join(SOLUTIONS_DIR, '09-kafka-protocol', 'src');
const SEED = 20261128;
const FRAMES = 10_000;
/** The id of our own request after each fuzzed frame. */
const CHECK_ID = 0x7e57_c0de;

const cleanup = useCleanup();
const tempDir = useTempDirs();

interface Codec {
  key: number;
  maxVersion: number;
  requestSchema(version: number): unknown;
  requestToWire(body: unknown, version: number): unknown;
}

/** The part of step 09's API this test uses. */
interface KafkaApi {
  APIS: Record<string, Codec>;
  encodeRequest(header: { apiKey: number; apiVersion: number; correlationId: number; clientId: string }, schema: unknown, body: unknown): Buffer;
  encodeBatch(baseOffset: number, records: Array<{ key: Buffer | null; value: Buffer | null; timestamp: number; headers: Array<{ key: string; value: Buffer | null }> }>): Buffer;
  Connection: new (host: string, port: number) => { request(body: object): Promise<Record<string, unknown>>; close(): Promise<void> };
}

function encode(api: KafkaApi, body: { type: string }, correlationId: number, version?: number): Buffer {
  const codec = api.APIS[body.type]!;
  const v = version ?? codec.maxVersion;
  return api.encodeRequest({ apiKey: codec.key, apiVersion: v, correlationId, clientId: 'fuzzer' }, codec.requestSchema(v), codec.requestToWire(body, v));
}

/** Real requests of the kinds a client sends, as a starting point for mutations. */
function validRequests(api: KafkaApi): Buffer[] {
  const batch = api.encodeBatch(0, [{ key: Buffer.from('k'), value: Buffer.from('fuzzed'), timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: Buffer.from('v') }] }]);
  const bodies = [
    { type: 'apiVersions' },
    // allowAutoTopicCreation false: a mutated topic name must not create thousands of topics
    { type: 'metadata', topics: ['fuzzed'], allowAutoTopicCreation: false },
    { type: 'produce', acks: 1, timeoutMs: 1000, batches: [{ topic: 'fuzzed', partition: 0, records: batch }] },
    { type: 'produce', acks: -1, timeoutMs: 1000, batches: [{ topic: 'fuzzed', partition: 0, records: batch }] },
    { type: 'fetch', replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitions: [{ topic: 'fuzzed', partition: 0, offset: 0 }] },
    { type: 'listOffsets', partitions: [{ topic: 'fuzzed', partition: 0, timestamp: -1 }] },
    { type: 'findCoordinator', key: 'group' },
    { type: 'offsetFetch', groupId: 'group', partitions: [{ topic: 'fuzzed', partition: 0 }] },
    { type: 'offsetCommit', groupId: 'group', generationId: -1, memberId: '', offsets: [{ topic: 'fuzzed', partition: 0, offset: 1 }] },
    { type: 'heartbeat', groupId: 'group', generationId: 1, memberId: 'm' },
    { type: 'leaveGroup', groupId: 'group', memberId: 'm' },
  ];
  return bodies.map((body, i) => encode(api, body, i));
}

/** How long answers may pause before the client leaves: a fuzzed fetch may lawfully wait up to its maxWaitMs, which flipped bytes make hours. */
const PATIENCE_MS = 2_000;

/**
 * Writes the frames on one connection, each followed by our own ApiVersions request, and waits
 * until the broker has answered the last of ours or hung up. If the answers stop for PATIENCE_MS
 * (a long poll holds the connection), the client leaves, and the broker must then let go of the
 * connection too. Resolves with how many fuzzed frames the broker read: one per answer to ours,
 * plus the one it hung up on or was still answering.
 */
async function sendChecked(port: number, frames: Buffer[], check: Buffer): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  let buffered = Buffer.alloc(0);
  let checks = 0;
  let patience: NodeJS.Timeout | undefined;
  const wait = () => {
    clearTimeout(patience);
    patience = setTimeout(() => socket.end(), PATIENCE_MS);
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      // Every response starts with its size, then its correlationId.
      if (buffered.readInt32BE(4) === CHECK_ID && ++checks === frames.length) socket.end();
      buffered = buffered.subarray(4 + buffered.readInt32BE(0));
    }
    wait();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(Buffer.concat(frames.flatMap((frame) => [frame, check])));
  wait();
  try {
    await within(closed, PATIENCE_MS + 10_000, `the broker did not let go of a connection its client had left (seed ${SEED})`);
  } finally {
    clearTimeout(patience);
    socket.destroy();
  }
  return Math.min(frames.length, checks + 1);
}

describe('fuzzing the Kafka protocol (step 09)', () => {
  test(`${FRAMES.toLocaleString('en')} random and broken binary requests read by the broker leave it serving a well-behaved client, with its memory bounded`, async () => {
    const api = (await import(pathToFileURL(path.join(SRC, 'index.ts')).href)) as KafkaApi;
    const broker = cleanup(await startBrokerProcess(SRC, { id: 1, dataDir: tempDir(), groupInitialRebalanceDelayMs: 0 }, { exitWithParent: true }));
    const crashed = () => `the broker process ${broker.isRunning() ? 'is running' : 'exited'}; its stderr:\n${broker.stderr().slice(-2000)}`;
    const good = cleanup(new api.Connection('127.0.0.1', broker.port));
    const created = await good.request({ type: 'createTopics', topics: [{ name: 'good', partitions: 1 }, { name: 'fuzzed', partitions: 1 }] });
    expect(created.topics, 'creating the topics').toMatchObject([{ name: 'good' }, { name: 'fuzzed' }]);
    let goodWrites = 0;
    const produceGood = async (read: number) => {
      const records = api.encodeBatch(0, [{ key: null, value: Buffer.from(`good ${goodWrites}`), timestamp: Date.now(), headers: [] }]);
      const answer = await within(good.request({ type: 'produce', acks: 1, timeoutMs: 5000, batches: [{ topic: 'good', partition: 0, records }] }), 10_000, `the well-behaved client's produce after ${read} fuzzed frames (seed ${SEED})\n${crashed()}`);
      expect(answer.results, `the well-behaved client's produce after ${read} fuzzed frames (seed ${SEED}): every good write takes the next offset`).toEqual([{ topic: 'good', partition: 0, baseOffset: goodWrites }]);
      goodWrites++;
    };

    await produceGood(0);
    const prng = new Prng(SEED);
    const next = () => prng.next();
    const valid = validRequests(api);
    const check = encode(api, { type: 'apiVersions' }, CHECK_ID, 0);
    let read = 0;
    let batches = 0;
    let rssAfterWarmUp: number | null = null;
    let rssMax = 0;
    while (read < FRAMES) {
      read += await sendChecked(broker.port, Array.from({ length: 50 }, () => brokenKafkaFrame(next, valid)), check);
      expect(broker.isRunning(), `the broker crashed after ${read} fuzzed frames (seed ${SEED}):\n${crashed()}`).toBe(true);
      if (++batches % 25 === 0) await produceGood(read);
      const rss = residentMiB(broker.pid);
      if (rss !== null) {
        if (rssAfterWarmUp === null && read >= 1000) rssAfterWarmUp = rss;
        rssMax = Math.max(rssMax, rss);
      }
    }
    await produceGood(read);

    // A new client is served as the first one was.
    const fresh = cleanup(new api.Connection('127.0.0.1', broker.port));
    const { apiKeys } = (await fresh.request({ type: 'apiVersions' })) as { apiKeys: unknown[] };
    expect(apiKeys.length, 'a new client gets an answer to ApiVersions').toBeGreaterThan(0);
    if (rssAfterWarmUp !== null) {
      const grown = rssMax - rssAfterWarmUp;
      expect(grown, `the broker's resident memory grew ${grown.toFixed(0)} MiB while fuzzing (from ${rssAfterWarmUp.toFixed(0)} MiB): sizes must be checked before anything is allocated`).toBeLessThan(150);
    }
  }, 120_000);
});
