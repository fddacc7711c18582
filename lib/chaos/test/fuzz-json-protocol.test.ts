// A broker never crashes on what a client sends, over the workshop's own wire protocol too
// (length-prefixed JSON, steps 02–08). Ten thousand frames read by the broker (those a lying
// length swallows do not count), from a seeded generator, against step 08's reference broker
// running as a process of its own (a crash is then a crash, and its memory is its own): random
// bytes, length prefixes that lie or are far over the limit, JSON of the wrong shape, and real
// requests with one field turned into something it must not be. Meanwhile a well-behaved client
// keeps producing on a connection it holds open the whole time, and every one of its requests
// must be answered as if nothing else were happening. Step 09 has the same test for Kafka's
// binary protocol (steps/09-kafka-protocol/test/bad-input.test.ts).
//
// Left out of the fuzzed requests on purpose: createTopics and joinGroup. Both are legitimate ways
// to make a broker hold more (up to maxPartitionsPerTopic partitions per topic, a member per join
// until its session times out); a fuzzer would only multiply that cost, not find a bug.
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { residentMiB, startBrokerProcess } from '../../testing/broker-process.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { frameOf, lengthPrefix, readFrames } from '../../testing/frames.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { within } from '../../testing/wait.ts';
import { Prng } from '../prng.ts';

const SRC = path.join(SOLUTIONS_DIR, '08-controller', 'src');
const SEED = 20261127;
const FRAMES = 10_000;
/** The well-behaved client's topic: no fuzzed request names it, so its offsets are its own. */
const GOOD_TOPIC = 'good';
/** The broker's frame limit in this test, small so that "over the limit" is cheap to send. */
const MAX_FRAME_BYTES = 1_048_576;

const cleanup = useCleanup();
const tempDir = useTempDirs();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Real requests of the kinds a client sends, as a starting point for mutations. */
function validRequests(): Array<{ [key: string]: Json }> {
  const record = { key: b64('k'), value: b64('fuzzed'), timestamp: 1_700_000_000_000, headers: [{ key: 'h', value: b64('v') }] };
  return [
    { type: 'metadata', correlationId: 1, topics: ['fuzzed'] },
    { type: 'produce', correlationId: 2, acks: 1, timeoutMs: 1000, batches: [{ topic: 'fuzzed', partition: 0, records: [record, { ...record, key: null }] }] },
    { type: 'produce', correlationId: 3, acks: -1, timeoutMs: 1000, batches: [{ topic: 'fuzzed', partition: 0, records: [record] }] },
    { type: 'fetch', correlationId: 4, replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 100_000, partitions: [{ topic: 'fuzzed', partition: 0, offset: 0 }] },
    { type: 'listOffsets', correlationId: 5, partitions: [{ topic: 'fuzzed', partition: 0, timestamp: -1 }] },
    { type: 'findCoordinator', correlationId: 6, key: 'group' },
    { type: 'offsetFetch', correlationId: 7, groupId: 'group', partitions: [{ topic: 'fuzzed', partition: 0 }] },
    { type: 'offsetCommit', correlationId: 8, groupId: 'group', generationId: -1, memberId: '', offsets: [{ topic: 'fuzzed', partition: 0, offset: 1 }] },
    { type: 'heartbeat', correlationId: 9, groupId: 'group', generationId: 1, memberId: 'm' },
    { type: 'leaveGroup', correlationId: 10, groupId: 'group', memberId: 'm' },
    { type: 'offsetsForLeaderEpoch', correlationId: 11, replicaId: 2, partitions: [{ topic: 'fuzzed', partition: 0, leaderEpoch: 0 }] },
  ];
}

/** A JSON value nested `depth` levels deep, built without recursion. */
function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** JSON that is not a request: other shapes, unknown or internal types, a nest deep enough to overflow a recursive walk. */
const NOT_REQUESTS = ['[]', '42', '"produce"', 'null', '{}', '{"type":"produce"}', '{"correlationId":1}', '{"type":"launchMissiles","correlationId":1}',
  '{"type":"toString","correlationId":1}', '{"type":"__proto__","correlationId":1}', '{"type":"brokerRegistration","correlationId":1}', '{"type":"alterPartition","correlationId":1}',
  `{"type":"metadata","correlationId":1,"topics":${nested(100_000)}}`, nested(200_000), '{"type":"produce","correlationId":1e400}', '\ufeff{"type":"metadata","correlationId":1}'];

/** Values a field must not hold (or may, but should make the broker think). */
function wrongValue(next: () => number): Json {
  const values: Json[] = [
    null, true, -1, -2, 0, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -0.5, 3.5, '', 'x'.repeat(300), '../../etc', 'a/b', '.', '..', '\u0000',
    '!!not base64!!', [], {}, [null], [1, 2, 3], { type: 'produce' }, Array.from({ length: 300 }, () => ({ topic: 'fuzzed', partition: 0, offset: 0 })),
  ];
  return values[Math.floor(next() * values.length)]!;
}

/** Every place inside a JSON value where a value sits, as paths of keys and indices. */
function paths(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((entry, i) => [[...at, i], ...paths(entry, [...at, i])]);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, entry]) => [[...at, key], ...paths(entry, [...at, key])]);
  return [];
}

/** A request with the value at one path replaced, removed, or an unknown field added beside it. */
function mutateField(next: () => number, request: { [key: string]: Json }): { [key: string]: Json } {
  const copy = structuredClone(request);
  const all = paths(copy);
  const where = all[Math.floor(next() * all.length)]!;
  let parent: Json = copy;
  for (const step of where.slice(0, -1)) parent = (parent as Record<string, Json>)[step]!;
  const last = where.at(-1)!;
  const choice = next();
  if (choice < 0.7) (parent as Record<string | number, Json>)[last] = wrongValue(next);
  else if (choice < 0.85 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[last as string];
  else if (!Array.isArray(parent)) (parent as Record<string, Json>)['__proto__x'] = wrongValue(next);
  return copy;
}

/** One frame: a real request, or one broken in one of the ways a buggy or hostile client breaks them. */
function fuzzedFrame(next: () => number, valid: Array<{ [key: string]: Json }>): Buffer {
  const request = valid[Math.floor(next() * valid.length)]!;
  // A length that lies ends what the broker reads of a connection: rarer, so that most frames are read.
  const kind = next() < 0.04 ? 5 : [0, 1, 2, 3, 4, 6, 7, 8][Math.floor(next() * 8)]!;
  switch (kind) {
    case 0:
      return frameOf(request); // well formed
    case 1:
    case 2:
      return frameOf(mutateField(next, request)); // a field of the wrong type, out of range, missing or extra
    case 3: {
      // bytes flipped inside the JSON, the length left right
      const frame = frameOf(request);
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) frame[4 + Math.floor(next() * (frame.length - 4))] = Math.floor(next() * 256);
      return frame;
    }
    case 4: {
      // cut short, with the length saying so
      const cut = frameOf(request).subarray(4, 4 + Math.floor(next() * 200));
      return Buffer.concat([lengthPrefix(cut.length), cut]);
    }
    case 5: {
      // a length that lies: more than follows (the rest of the connection is swallowed), less
      // (the tail is read as the next length), or far over the limit (refused before allocating)
      const payload = frameOf(request).subarray(4);
      const lies = [payload.length + 1 + Math.floor(next() * 100), Math.floor(next() * payload.length), MAX_FRAME_BYTES + 1, 0x47455420, 0xffffffff, 0];
      return Buffer.concat([lengthPrefix(lies[Math.floor(next() * lies.length)]!), payload]);
    }
    case 6: {
      // random bytes with a plausible length
      const garbage = Buffer.alloc(Math.floor(next() * 64));
      for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(next() * 256);
      return Buffer.concat([lengthPrefix(garbage.length), garbage]);
    }
    case 7: {
      // JSON, but not a request: other shapes, an unknown or internal type, a deep nest
      return rawFrame(NOT_REQUESTS[Math.floor(next() * NOT_REQUESTS.length)]!);
    }
    default: {
      // the correlationId or type itself mangled
      const copy = structuredClone(request);
      copy[next() < 0.5 ? 'correlationId' : 'type'] = wrongValue(next);
      return frameOf(copy);
    }
  }
}

/** A frame around any text, JSON or not. */
function rawFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([lengthPrefix(payload.length), payload]);
}

/** The answer that tells a batch of fuzzed frames has been read to its end: its correlationId is no fuzzed frame's. */
const SENTINEL_ID = 987_654_321;
const SENTINEL = frameOf({ type: 'metadata', correlationId: SENTINEL_ID, topics: ['fuzzed'] });

/**
 * How the broker will cut these bytes into frames (frame.ts): how many whole frames it reads, and
 * where it stops: at the end, at a length over the limit (it hangs up), or at a frame whose length
 * promises more than follows (it waits for bytes that never come, until the client closes).
 */
function cutLikeTheBroker(bytes: Buffer): { frames: number; stop: number; tooLarge: boolean } {
  let frames = 0;
  let at = 0;
  while (bytes.length - at >= 4) {
    const length = bytes.readUInt32BE(at);
    if (length > MAX_FRAME_BYTES) return { frames, stop: at, tooLarge: true };
    if (bytes.length - at - 4 < length) break;
    frames++;
    at += 4 + length;
  }
  return { frames, stop: at, tooLarge: false };
}

/**
 * Sends a batch of fuzzed frames on a new connection and waits until the broker has dealt with
 * each. The frames it will read whole go first, followed by a request of our own (the sentinel):
 * the broker answers in order, so its answer says everything before it was handled. Then the rest,
 * if any: a length over the limit, after which the broker must hang up, or a frame cut short,
 * which it waits for until the client closes, and must then close too. Every answer must be JSON.
 * Resolves with how many fuzzed frames the broker read; a broker that does not get through them
 * within 10 s is stuck on something a client sent.
 */
async function sendBatch(port: number, frames: Buffer[]): Promise<number> {
  const bytes = Buffer.concat(frames);
  const { frames: read, stop, tooLarge } = cutLikeTheBroker(bytes);
  const socket = net.connect(port, '127.0.0.1');
  const answers = readFrames(socket);
  try {
    await within(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 10_000, 'connecting to the broker');
    socket.write(Buffer.concat([bytes.subarray(0, stop), SENTINEL]));
    for (;;) {
      const answer = await answers.next(`the answer to our own request after ${read} fuzzed frames on one connection`, 10_000);
      if (answer.correlationId === SENTINEL_ID) break;
    }
    socket.write(bytes.subarray(stop));
    if (!tooLarge) socket.end();
    await answers.close(tooLarge ? 'the broker to hang up after a length over the limit' : 'the broker to close once the client has', 10_000);
    for (const answer of answers.all) {
      expect(answer instanceof Error ? answer.message : 'JSON', 'every answer the broker sends is JSON').toBe('JSON');
      expect(answer, 'every answer carries a correlationId (null when the request had none)').toHaveProperty('correlationId');
    }
  } finally {
    socket.destroy();
  }
  return read;
}

/** The well-behaved client: one connection, held open through the whole fuzzing. */
async function goodClient(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frames = readFrames(socket);
  let correlationId = 0;
  return {
    socket,
    async ask(body: { [key: string]: Json }, what: string): Promise<Record<string, unknown>> {
      const id = ++correlationId;
      socket.write(frameOf({ ...body, correlationId: id }));
      const answer = await frames.next(what);
      expect(answer.correlationId, `${what}: the answer should carry the request's correlationId`).toBe(id);
      return answer;
    },
    close: () => socket.destroy(),
  };
}

describe('fuzzing the JSON protocol (step 08)', () => {
  test(`${FRAMES.toLocaleString('en')} random and broken JSON frames leave the broker serving a well-behaved client, with its memory bounded`, async () => {
    const broker = cleanup(await startBrokerProcess(SRC, { id: 1, dataDir: tempDir(), maxFrameBytes: MAX_FRAME_BYTES, groupInitialRebalanceDelayMs: 0 }, { exitWithParent: true }));
    const { port } = broker;
    const crashed = () => `the broker process ${broker.isRunning() ? 'is running' : 'exited'}; its stderr:\n${broker.stderr().slice(-2000)}`;
    const good = cleanup(await goodClient(port));
    const value = (n: number) => b64(`good ${n}`);
    const produceGood = async (n: number, sent: number) => {
      const what = `the well-behaved client's produce of record ${n} after ${sent} fuzzed frames (seed ${SEED})`;
      const answer = await good.ask({ type: 'produce', acks: 1, timeoutMs: 5000, batches: [{ topic: GOOD_TOPIC, partition: 0, records: [{ key: null, value: value(n), timestamp: 1_700_000_000_000 + n, headers: [] }] }] }, what).catch((error: Error) => {
        throw new Error(`${error.message}\n${crashed()}`);
      });
      expect(answer.results, `${what}: every good write takes the next offset`).toEqual([{ topic: GOOD_TOPIC, partition: 0, baseOffset: n }]);
    };

    const created = await good.ask({ type: 'createTopics', topics: [{ name: GOOD_TOPIC, partitions: 1 }, { name: 'fuzzed', partitions: 1 }] }, 'creating the topics');
    expect(created.topics, 'creating the topics').toEqual([{ name: GOOD_TOPIC }, { name: 'fuzzed' }]);
    await produceGood(0, 0);
    const prng = new Prng(SEED);
    const next = () => prng.next();
    const valid = validRequests();
    let read = 0;
    let goodWrites = 1;
    let rssAfterWarmUp: number | null = null;
    let rssMax = 0;
    let batches = 0;
    // Counted as the broker reads them: frames swallowed by a length that lies do not count.
    while (read < FRAMES) {
      const frames = Array.from({ length: 50 }, () => fuzzedFrame(next, valid));
      read += await sendBatch(port, frames).catch((error: Error) => {
        throw new Error(`${error.message}, after ${read} fuzzed frames (seed ${SEED})\n${crashed()}`);
      });
      expect(broker.isRunning(), `the broker crashed after ${read} fuzzed frames (seed ${SEED}):\n${crashed()}`).toBe(true);
      if (++batches % 25 === 0) await produceGood(goodWrites++, read);
      const rss = residentMiB(broker.pid);
      if (rss !== null) {
        if (rssAfterWarmUp === null && read >= 1000) rssAfterWarmUp = rss;
        rssMax = Math.max(rssMax, rss);
      }
    }

    // Everything the good client wrote is there, in order, with nothing of anyone else's between.
    const fetched = await good.ask({ type: 'fetch', maxWaitMs: 0, minBytes: 0, maxBytes: 10_000_000, partitions: [{ topic: GOOD_TOPIC, partition: 0, offset: 0 }] }, 'the good records read back');
    const [partition] = fetched.partitions as Array<{ records: Array<{ offset: number; value: string }>; error?: unknown }>;
    expect(partition?.error, 'reading the good records back').toBeUndefined();
    expect(
      partition!.records.map(({ offset, value: v }) => `${offset}:${Buffer.from(v, 'base64').toString()}`),
      'the good client reads back exactly what it wrote, at the offsets it was given',
    ).toEqual(Array.from({ length: goodWrites }, (_, n) => `${n}:good ${n}`));

    // A new client is served as the first one was.
    const fresh = cleanup(await goodClient(port));
    const metadata = await fresh.ask({ type: 'metadata', topics: [GOOD_TOPIC] }, 'metadata on a new connection after the fuzzing');
    expect((metadata.topics as Array<{ name: string; error?: unknown }>)[0], 'a new client gets the good topic’s metadata').toMatchObject({ name: GOOD_TOPIC });
    expect((metadata.topics as Array<{ error?: unknown }>)[0]?.error).toBeUndefined();

    if (rssAfterWarmUp !== null) {
      const grown = rssMax - rssAfterWarmUp;
      expect(grown, `the broker's resident memory grew ${grown.toFixed(0)} MiB while fuzzing (from ${rssAfterWarmUp.toFixed(0)} MiB): sizes must be checked before anything is allocated`).toBeLessThan(150);
    }
  }, 120_000);
});

// Found by this fuzzer: a metadata request naming a topic no topic can have ("a/b", a flipped byte
// in a name) was answered only after the broker had waited 5 s for that topic to be created, though
// the controller had refused it at once; a client could hold a broker's connection that way. The
// broker now waits only for the topics being created. Steps 08 and 09 share the code.
describe.each(['08-controller', '09-kafka-protocol'])('metadata naming an impossible topic, solutions/%s', (step) => {
  test('is answered with INVALID_TOPIC_EXCEPTION at once, not after the wait for a topic being created', async () => {
    const api = await import(pathToFileURL(path.join(SOLUTIONS_DIR, step, 'src', 'index.ts')).href);
    const broker = cleanup(new api.Broker({ id: 1, host: '127.0.0.1', port: 0, dataDir: tempDir(), log: () => {} }));
    const { port } = await broker.start();
    const connection = cleanup(new api.Connection('127.0.0.1', port));
    await connection.request({ type: 'metadata', topics: ['exists'] }); // the first metadata request may wait for the cluster to form
    const answer: { topics: Array<{ name: string; error?: { code: string } }> } = await within(
      connection.request({ type: 'metadata', topics: ['exists', 'a/b', 'x'.repeat(250)] }),
      2_500,
      'a metadata request naming impossible topics should be answered at once (the broker waits up to 5 s only for topics being created)',
    );
    expect(answer.topics.map((topic) => `${topic.name.slice(0, 10)}: ${topic.error?.code ?? 'ok'}`)).toEqual([
      'exists: ok',
      'a/b: INVALID_TOPIC_EXCEPTION',
      'xxxxxxxxxx: INVALID_TOPIC_EXCEPTION',
    ]);
  });
});
