import { describe, expect, test } from 'vitest';
import { Broker } from '../src/index.ts';
import { firstError, startBrokerProcess } from '#lib/testing/broker-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { frameOf, lengthPrefix, readFrames } from '#lib/testing/frames.ts';
import { connect } from '#lib/testing/net.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { ExpectationFailed, waitFor, within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();
const WAIT_MS = 1_000;

async function startBroker(options: { maxFrameBytes?: number; connectionsMaxIdleMs?: number } = {}) {
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

  test('task 3: a request nested 100 000 levels deep gets INVALID_REQUEST, and the broker stays up for everyone', async () => {
    // A real process, so that a crash (a stack overflow while quoting the bad value, say) is seen as one.
    const broker = cleanup(await startBrokerProcess(srcDirOfTest(import.meta.url)));
    try {
      const bad = await client(broker.port);
      const depth = 100_000;
      const deep = Buffer.from(`{"correlationId":1,"type":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      bad.socket.write(Buffer.concat([lengthPrefix(deep.length), deep]));
      const answer = await bad.frames.next<{ correlationId: unknown; error?: { code: string; message: string } }>('an answer to a request whose "type" is a list nested 100 000 deep', WAIT_MS);
      expect(answer.error?.code, `a request of an unknown type is INVALID_REQUEST; got ${JSON.stringify(answer).slice(0, 200)}`).toBe('INVALID_REQUEST');
      expect(answer.correlationId, 'the error answers request 1').toBe(1);
      expect(answer.error!.message.length, 'the message quotes a short excerpt of the bad value, never all of it').toBeLessThan(300);
      const other = await client(broker.port);
      other.socket.write(frameOf(produce(2, 'still here')));
      expect((await other.frames.next('an answer for another client after the deep request', WAIT_MS)).correlationId).toBe(2);
    } catch (error) {
      const exit = await within(broker.exited, 1_000, 'still running').catch(() => null);
      if (exit) throw new ExpectationFailed(`the broker process died (exit code ${exit.code}) on a deeply nested request: ${firstError(broker.stderr())}`);
      throw error;
    }
  });

  test('task 3: a client that sends many requests at once does not hold up another client', async () => {
    const { broker, port } = await startBroker();
    const busy = await client(port);
    const other = await client(port);
    const count = 1_000;
    busy.socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frameOf(produce(i, `busy ${i}`.padEnd(60, '.'), 'busy')))));
    other.socket.write(frameOf(produce(1, 'me too', 'other')));
    await other.frames.next('an answer for the client that sent one request', WAIT_MS);
    const served = broker.received('busy').length;
    expect(
      served,
      `another client waited until ${served} of the busy client's ${count} requests were handled: answer one request at a time, and let other connections have their turn in between`,
    ).toBeLessThan(count / 10);
    await waitFor(() => busy.frames.all.length === count || busy.frames.closed, 10_000, `not all ${count} answers reached the busy client`);
    expect(busy.frames.all.map((frame) => (frame as { correlationId: number }).correlationId), 'and the busy client gets every answer, in order').toEqual(Array.from({ length: count }, (_, i) => i));
  });

  test('task 3: a connection idle for connectionsMaxIdleMs is closed', async () => {
    const { port } = await startBroker({ connectionsMaxIdleMs: 200 });
    const { socket, frames } = await client(port);
    socket.write(frameOf(produce(1, 'then nothing')));
    expect((await frames.next('an answer to the only request', WAIT_MS)).correlationId).toBe(1);
    await frames.close('the broker to close a connection that sent nothing for 200 ms (connectionsMaxIdleMs: 200)', WAIT_MS);
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
