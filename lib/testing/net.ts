// Plain TCP helpers for tests: connect, read an exact number of bytes, notice a close.
import net from 'node:net';
import type { Socket } from 'node:net';
import { ExpectationFailed, within } from './wait.ts';

const DEFAULT_WAIT_MS = 5_000;

/** Connects to host:port, failing with a readable message if nothing is listening. */
export function connect(port: number, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ExpectationFailed(`could not connect to ${host}:${port} (${error.code ?? error.message}): is the broker listening there?`)),
    );
  });
}

/**
 * Collects everything the socket receives. `bytes(n)` waits until at least n bytes arrived;
 * start collecting before writing, so nothing is missed.
 */
export function collect(socket: Socket) {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((waiter) => waiter());
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    wake();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  // An error here just means the connection is gone; 'close' follows and wakes the waiters.
  socket.on('error', () => {});

  return {
    get received(): Buffer {
      return Buffer.concat(chunks);
    },
    async bytes(count: number, ms = DEFAULT_WAIT_MS, what = `${count} bytes`): Promise<Buffer> {
      const arrived = new Promise<void>((resolve) => {
        const check = () => {
          if (length >= count || ended) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
      await within(arrived, ms, () => `expected ${what} back, got ${length}`).catch((error: Error) => {
        throw new ExpectationFailed(error.message);
      });
      if (length < count) {
        throw new ExpectationFailed(`expected ${what} back, but the connection closed after ${length}`);
      }
      return Buffer.concat(chunks).subarray(0, count);
    },
  };
}

/** Resolves when the socket has closed. */
export function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** True when a fresh server can bind host:port right now (the port is free). */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** Describes where two buffers first differ, for assertion messages. */
export function firstDifference(expected: Buffer, actual: Buffer): string {
  const limit = Math.min(expected.length, actual.length);
  for (let index = 0; index < limit; index++) {
    if (expected[index] !== actual[index]) {
      return `first difference at byte ${index} (expected ${expected[index]}, got ${actual[index]})`;
    }
  }
  if (expected.length !== actual.length) return `lengths differ: expected ${expected.length}, got ${actual.length}`;
  return 'identical';
}
