import { describe, expect, test } from 'vitest';
import { Broker } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { frameOf, lengthPrefix, readFrames } from '#lib/testing/frames.ts';
import { connect } from '#lib/testing/net.ts';
import { waitFor } from '#lib/testing/wait.ts';

const cleanup = useCleanup();
const WAIT_MS = 1_000;

async function startBroker(options: { maxFrameBytes?: number } = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, ...options }));
  const { port } = await broker.start();
  return { broker, port };
}

async function client(port: number) {
  const socket = cleanup(await connect(port));
  return { socket, frames: readFrames(socket) };
}

const produce = (correlationId: number, value: string, topic = 'test') => ({ type: 'produce', correlationId, topic, value: Buffer.from(value).toString('base64') });

describe('task 3: frames in, answers out', () => {
  test('task 3: each request is answered with a frame that repeats its correlationId', async () => {
    const { port } = await startBroker();
    const { socket, frames } = await client(port);
    socket.write(frameOf(produce(7, 'This is a test message: 1.')));
    const answer = await frames.next('the answer to a produce request with correlationId 7', WAIT_MS);
    expect(answer.correlationId, `the answer must carry the request's correlationId; got ${JSON.stringify(answer)}`).toBe(7);
  });

  test('task 3: two requests in one chunk and one request split byte by byte are all answered', async () => {
    const { port } = await startBroker();
    const { socket, frames } = await client(port);
    socket.write(Buffer.concat([frameOf(produce(1, 'one')), frameOf(produce(2, 'two'))]));
    const first = await frames.next('the answer to request 1 (sent in the same chunk as request 2)', WAIT_MS);
    const second = await frames.next('the answer to request 2: a chunk can hold several frames, answer each', WAIT_MS);
    expect([first.correlationId, second.correlationId]).toEqual([1, 2]);

    for (const byte of frameOf(produce(3, 'three'))) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve)); // let each byte go out on its own
    }
    const third = await frames.next('the answer to request 3, which arrived one byte per chunk', WAIT_MS);
    expect(third.correlationId).toBe(3);
  });

  test('task 3: a request that is not valid JSON gets INVALID_REQUEST and the connection stays usable', async () => {
    const { port } = await startBroker();
    const { socket, frames } = await client(port);
    socket.write(Buffer.concat([lengthPrefix(9), Buffer.from('not json!')]));
    const answer = await frames.next<{ error?: { code: string; message: string } }>('an error answer to a frame that holds no JSON', WAIT_MS);
    expect(answer.error?.code, `expected an INVALID_REQUEST error, got ${JSON.stringify(answer)}`).toBe('INVALID_REQUEST');
    socket.write(frameOf(produce(2, 'still here')));
    const next = await frames.next('an answer on the same connection after a bad request', WAIT_MS);
    expect(next.correlationId).toBe(2);
  });

  test('task 3: an oversized length closes that connection with a clear error, and other clients carry on', async () => {
    const { port } = await startBroker({ maxFrameBytes: 1024 });
    const good = await client(port);
    const bad = await client(port);
    bad.socket.write(lengthPrefix(1_000_000));
    const answer = await bad.frames.next<{ correlationId: unknown; error?: { code: string; message: string } }>('an error frame before the broker closes the connection', WAIT_MS);
    expect(answer.error?.code, `the broker should say why it hangs up; got ${JSON.stringify(answer)}`).toBe('INVALID_REQUEST');
    expect(answer.error?.message, 'the message should give the size that was refused').toMatch(/1000000/);
    await bad.frames.close('the broker to close the connection that sent a 1 000 000-byte length (maxFrameBytes is 1024)', WAIT_MS);

    good.socket.write(frameOf(produce(1, 'unaffected')));
    const fine = await good.frames.next('an answer for the other client, which did nothing wrong', WAIT_MS);
    expect(fine.correlationId).toBe(1);
  });
});

describe('task 4: keep and acknowledge', () => {
  test('task 4: a produce request is acknowledged and its value kept under its topic', async () => {
    const { broker, port } = await startBroker();
    const { socket, frames } = await client(port);
    socket.write(frameOf(produce(1, 'This is a test message: 1.', 'greetings')));
    const answer = await frames.next<{ ok?: boolean; error?: unknown }>('the acknowledgement of a produce request', WAIT_MS);
    expect(answer, 'the acknowledgement is { correlationId, ok: true }').toEqual({ correlationId: 1, ok: true });
    expect(broker.received('greetings').map(String), 'received("greetings") lists the values kept for that topic').toEqual(['This is a test message: 1.']);
    expect(broker.received('other'), 'a topic nobody wrote to has no messages').toEqual([]);
  });

  test('task 4: 10 000 messages over one connection are kept in the order they were sent', async () => {
    const { broker, port } = await startBroker();
    const { socket, frames } = await client(port);
    const count = 10_000;
    socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frameOf(produce(i, `message ${i}`)))));
    await frames.next('the first of 10 000 acknowledgements', WAIT_MS);
    await waitFor(() => frames.all.length === count || frames.closed, 10_000, `not all ${count} acknowledgements arrived`);
    const ids = frames.all.map((frame) => (frame as { correlationId: number }).correlationId);
    expect(ids.every((id, i) => id === i), 'answers should come back in request order, one per request').toBe(true);
    const kept = broker.received('test').map(String);
    const firstWrong = kept.findIndex((value, i) => value !== `message ${i}`);
    expect(kept.length, 'every message should be kept').toBe(count);
    expect(firstWrong, `messages must be kept in arrival order; first out of place at index ${firstWrong}: ${kept[firstWrong]}`).toBe(-1);
  });
});
