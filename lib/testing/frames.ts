// The workshop's wire format, written independently of any step's code, so a test can speak to
// a student's broker (or act as a broker for a student's client) without trusting that step's
// own frame code: a 4-byte big-endian length, then UTF-8 JSON.
import type { Socket } from 'node:net';
import { ExpectationFailed, within } from './wait.ts';

const DEFAULT_WAIT_MS = 5_000;

/** A JSON body as one frame. */
export function frameOf(body: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/** A raw length prefix, for tests that send lies about a frame's size. */
export function lengthPrefix(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}

/**
 * Reads the JSON frames a socket receives. `next()` waits for the next one; `closed` tells
 * whether the other side hung up. Start reading before writing, so nothing is missed.
 */
export function readFrames(socket: Socket) {
  let buffered = Buffer.alloc(0);
  const frames: unknown[] = [];
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((waiter) => waiter());
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
      const length = buffered.readUInt32BE(0);
      const payload = buffered.subarray(4, 4 + length).toString('utf8');
      buffered = buffered.subarray(4 + length);
      try {
        frames.push(JSON.parse(payload));
      } catch {
        frames.push(new ExpectationFailed(`received a frame that is not JSON: ${JSON.stringify(payload.slice(0, 80))}`));
      }
    }
    wake();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  socket.on('error', () => {});

  let read = 0;
  return {
    get closed(): boolean {
      return ended;
    },
    /** Every frame received so far, read or not. */
    get all(): unknown[] {
      return [...frames];
    },
    /** The next frame, as parsed JSON. */
    async next<T = Record<string, unknown>>(what = 'a response', ms = DEFAULT_WAIT_MS): Promise<T> {
      const arrived = new Promise<void>((resolve) => {
        const check = () => {
          if (frames.length > read || ended) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
      await within(arrived, ms, `waited for ${what}, but none arrived`);
      if (frames.length <= read) throw new ExpectationFailed(`waited for ${what}, but the connection closed first`);
      const frame = frames[read++];
      if (frame instanceof Error) throw frame;
      return frame as T;
    },
    /** Waits until the other side closes the connection. */
    async close(what = 'the connection to close', ms = DEFAULT_WAIT_MS): Promise<void> {
      const done = new Promise<void>((resolve) => {
        const check = () => {
          if (ended) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
      await within(done, ms, `waited for ${what}`);
    },
  };
}
