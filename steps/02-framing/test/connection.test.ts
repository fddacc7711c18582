import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { Connection, KafkaError } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { frameOf, readFrames } from '#lib/testing/frames.ts';
import { within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();
const WAIT_MS = 2_000;

type Body = { type: string; correlationId: number } & Record<string, unknown>;

/** A well-formed request for the fake broker to receive (the connection only sends typed requests). */
const produce = (topic = 't') => ({ type: 'produce' as const, topic, value: '' });

/** A stand-in broker the test controls: it hands each connection and its requests to `serve`. */
async function fakeBroker(serve: (socket: net.Socket, requests: ReturnType<typeof readFrames>) => void | Promise<void>) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    void serve(socket, readFrames(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup({ stop: () => new Promise((resolve) => { sockets.forEach((socket) => socket.destroy()); server.close(resolve); }) });
  return { port: (server.address() as net.AddressInfo).port, connections: () => sockets.size };
}

describe('task 5: one connection, many requests in flight', () => {
  test('task 5: a request goes out as a frame with a correlationId, and resolves with its answer', async () => {
    let seen: Body | undefined;
    const { port } = await fakeBroker(async (socket, requests) => {
      seen = await requests.next<Body>('a request');
      socket.write(frameOf({ correlationId: seen.correlationId, ok: true }));
    });
    const connection = cleanup(new Connection('127.0.0.1', port));
    const response = await within(connection.request(produce()), WAIT_MS, 'request() did not resolve after the broker answered');
    expect(seen?.type, 'the broker should receive the request body as sent').toBe('produce');
    expect(Number.isInteger(seen?.correlationId), `request() must add an integer correlationId; the broker got ${JSON.stringify(seen)}`).toBe(true);
    expect(response, 'request() resolves with the answer').toMatchObject({ correlationId: seen?.correlationId, ok: true });
  });

  test('task 5: answers that come back out of order still reach the right request', async () => {
    const { port } = await fakeBroker(async (socket, requests) => {
      const received = [await requests.next<Body>('request 1'), await requests.next<Body>('request 2'), await requests.next<Body>('request 3')];
      for (const request of received.reverse()) socket.write(frameOf({ correlationId: request.correlationId, echo: request.topic }));
    });
    const connection = cleanup(new Connection('127.0.0.1', port));
    const answers = await within(
      Promise.all(['a', 'b', 'c'].map((text) => connection.request(produce(text)))),
      WAIT_MS,
      'three requests sent at once were not all answered',
    );
    expect(answers.map((answer) => (answer as unknown as { echo: string }).echo), 'each request must get the answer with its own correlationId, whatever the order answers arrive in').toEqual(['a', 'b', 'c']);
  });

  test('task 5: many requests share one TCP connection', async () => {
    const broker = await fakeBroker(async (socket, requests) => {
      for (;;) {
        const request = await requests.next<Body>('a request', 60_000).catch(() => null);
        if (!request) return;
        socket.write(frameOf({ correlationId: request.correlationId }));
      }
    });
    const connection = cleanup(new Connection('127.0.0.1', broker.port));
    for (let i = 0; i < 20; i++) await within(connection.request(produce()), WAIT_MS, `request ${i + 1} of 20 was not answered`);
    expect(broker.connections(), 'twenty requests should travel over one connection, opened once and reused').toBe(1);
  });

  test('task 5: an error answer rejects with a KafkaError carrying the code', async () => {
    const { port } = await fakeBroker(async (socket, requests) => {
      const request = await requests.next<Body>('a request');
      socket.write(frameOf({ correlationId: request.correlationId, error: { code: 'INVALID_REQUEST', message: 'no such thing' } }));
    });
    const connection = cleanup(new Connection('127.0.0.1', port));
    const failure = await within(connection.request(produce()).then(() => null, (error: unknown) => error), WAIT_MS, 'request() neither resolved nor rejected after an error answer');
    expect(failure, 'an answer with "error" must reject the request, not resolve it').toBeInstanceOf(KafkaError);
    expect((failure as KafkaError).code).toBe('INVALID_REQUEST');
  });

  test('task 5: an error answer with correlationId null rejects every waiting request', async () => {
    const { port } = await fakeBroker(async (socket, requests) => {
      await requests.next('request 1');
      await requests.next('request 2');
      socket.write(frameOf({ correlationId: null, error: { code: 'INVALID_REQUEST', message: 'a frame of 2000000 bytes is over the limit' } }));
    });
    const connection = cleanup(new Connection('127.0.0.1', port));
    const settled = await within(
      Promise.allSettled([connection.request(produce()), connection.request(produce())]),
      WAIT_MS,
      'after an answer with correlationId null, the waiting requests neither resolved nor rejected',
    );
    const codes = settled.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as KafkaError).code : 'resolved'));
    expect(codes, 'correlationId null means the broker gave up on the connection: reject every pending request with a KafkaError carrying the code').toEqual(['INVALID_REQUEST', 'INVALID_REQUEST']);
  });

  test('task 5: when the broker goes away, waiting requests are rejected instead of hanging', async () => {
    const { port } = await fakeBroker(async (socket, requests) => {
      await requests.next('a request');
      socket.destroy();
    });
    const connection = cleanup(new Connection('127.0.0.1', port));
    await expect(within(connection.request(produce()), WAIT_MS, 'request() still waits although the broker closed the connection')).rejects.toThrow(/clos|reset/i);
  });
});
