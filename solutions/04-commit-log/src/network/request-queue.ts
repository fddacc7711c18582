// One connection's requests, answered one at a time and in order, the way Kafka's socket server
// does it: while a request is being handled, and until its answer has been written to the
// socket, the connection is muted (paused: nothing more is read from it). That one rule
// - keeps the answers in the order of the requests, even when one takes a while;
// - stops reading from a client that does not read its answers: they wait in its socket, not in
//   the broker's memory, and the broker reads nothing more from it until they have gone;
// - with a turn of the event loop between two requests (setImmediate), serves every other
//   connection in between, however many requests this one sent at once.
// Frames already cut from a chunk wait here; while queuedMaxRequests of them wait, the connection
// is not read from even between requests (Kafka's `queued.max.requests`). Nothing is dropped: a
// client that sends faster than it is answered is simply read more slowly.
//
// One departure from Kafka: while a request with nothing queued behind it is being handled (a
// fetch waiting for records, say), the broker reads on until one more chunk arrives. A paused
// socket would not even notice its client hanging up, and the request would wait on for nobody;
// the one chunk read ahead waits here like any other.
import type { Socket } from 'node:net';

export interface RequestQueueOptions {
  /** Frames that may wait before the connection is no longer read; after Kafka's `queued.max.requests` (500). */
  queuedMaxRequests: number;
  /** A connection with nothing to do for this long is closed; Kafka's `connections.max.idle.ms` (10 minutes). */
  connectionsMaxIdleMs: number;
  log: (line: string) => void;
}

/** The bytes that answer one frame. `clientGone` aborts once the client has gone (a long poll stops waiting then). */
export type AnswerFrame = (frame: Buffer, clientGone: AbortSignal) => Buffer | Promise<Buffer>;

export class RequestQueue {
  private readonly waiting: Buffer[] = [];
  /** A request is being handled, or its answer is still being written. */
  private busy = false;
  /** A request is being handled (a long poll may take a while). */
  private handling = false;
  /** Aborts when the client goes. */
  private readonly gone = new AbortController();
  private readonly client: string;

  constructor(
    private readonly socket: Socket,
    private readonly answer: AnswerFrame,
    private readonly options: RequestQueueOptions,
  ) {
    this.client = `${socket.remoteAddress}:${socket.remotePort}`;
    // A connection nobody uses costs a socket and memory for nothing: close it, but not while a
    // request is being handled (a fetch may wait on purpose). Writing an answer restarts the clock.
    socket.setTimeout(options.connectionsMaxIdleMs);
    socket.on('timeout', () => {
      if (this.handling) return;
      options.log(`Closing the connection of ${this.client}: idle for ${options.connectionsMaxIdleMs} ms (connectionsMaxIdleMs)`);
      socket.destroy();
    });
    socket.on('close', () => {
      this.waiting.length = 0; // a client that has gone gets no more answers
      this.gone.abort();
    });
    socket.on('data', () => {
      if (this.busy) socket.pause(); // the one chunk read while a request is handled (see above)
    });
  }

  /** Queues a frame cut from the connection's stream; it is answered after those before it. */
  push(frame: Buffer): void {
    this.waiting.push(frame);
    if (this.waiting.length >= this.options.queuedMaxRequests) this.socket.pause();
    void this.answerNext();
  }

  private async answerNext(): Promise<void> {
    const { socket } = this;
    if (this.busy || socket.destroyed) return;
    const frame = this.waiting.shift();
    if (frame === undefined) return;
    this.busy = true;
    this.handling = true;
    if (this.waiting.length > 0) socket.pause(); // more to do already: read nothing more for now
    let answer: Buffer;
    try {
      answer = await this.answer(frame, this.gone.signal);
    } catch (error) {
      // The broker turns a bad request or a failing handler into an error answer. Whatever still
      // gets here cannot even be tied to a request: hang up on this client, and on it only.
      this.options.log(`Closing the connection of ${this.client}: could not answer a request: ${(error as Error).message}`);
      socket.destroy();
      return;
    } finally {
      this.handling = false;
    }
    if (!socket.writable) return; // the client has gone (or was told why it is cut off): drop the rest
    socket.pause();
    // The callback runs once the answer has left for the network, or when the socket fails.
    socket.write(answer, () => {
      this.busy = false;
      if (this.waiting.length > 0) setImmediate(() => void this.answerNext());
      if (this.waiting.length < this.options.queuedMaxRequests) socket.resume();
    });
  }
}
