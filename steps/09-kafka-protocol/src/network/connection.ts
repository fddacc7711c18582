// A client's connection to one broker: requests go out as frames in Kafka's binary protocol,
// answers come back matched to their request by correlationId.
//
// One connection is opened per broker and then reused for every request, with any number of
// requests in flight at once. Opening a TCP connection costs a round trip (and, with TLS, several):
// the blog's producer paid that for every single message.
import net from 'node:net';
import { KafkaError } from '../common/errors.ts';
import { FrameDecoder } from './frame.ts';
import { APIS, encodeRequest, isFailed, isJsonProtocol, readResponseHeader, type RequestBody, type RequestType, type ResponseOf } from '../protocol/index.ts';
import { Reader } from '../protocol/types.ts';

/** How this workshop's clients name themselves in every request header (brokers log it). */
export const CLIENT_ID = 'kafka-from-scratch';

/**
 * The connection failed or dropped before the broker answered: the broker stopped, crashed or is
 * unreachable. Unlike a KafkaError, nobody said no; from step 08 the clients retry it (retry.ts),
 * since another broker may have taken over, or this one may be back.
 */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** A request waiting for its answer, and how to read the answer: only the asker knows its api and version. */
interface Pending {
  read(reader: Reader): unknown;
  resolve(response: unknown): void;
  reject(error: Error): void;
}

export class Connection {
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private nextCorrelationId = 1;
  /** Requests sent and not yet answered, by correlationId. */
  private readonly pending = new Map<number, Pending>();
  private closedByUs = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  /** host:port, as the producer logs it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /**
   * Sends one request and resolves with its response; rejects with a KafkaError when the broker
   * refuses the whole request, or with a ConnectionError when the connection fails first. The
   * request's type says which fields it needs and which response it gets: `request({ type:
   * 'produce', … })` resolves with a ProduceResponse. Each request goes out in the highest version
   * its module speaks (protocol/).
   */
  async request<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>> {
    const socket = await this.open();
    const codec = APIS[body.type];
    const version = codec.maxVersion;
    const correlationId = this.nextCorrelationId++;
    // Encoded before it waits for an answer: a request that cannot be written leaves nothing pending.
    const frame = this.frame(body, correlationId, version);
    const response = new Promise<ResponseOf<K>>((resolve, reject) =>
      this.pending.set(correlationId, {
        read: (reader) => codec.responseFromWire(codec.responseSchema(version).read(reader, `the ${codec.kafkaName} v${version} response`), version),
        resolve: resolve as (response: unknown) => void,
        reject,
      }),
    );
    socket.write(frame);
    return response;
  }

  /** Sends a request that gets no answer (a produce with acks=0); resolves once it is written. */
  async send<K extends RequestType>(body: RequestBody<K>): Promise<void> {
    const socket = await this.open();
    const frame = this.frame(body, this.nextCorrelationId++, APIS[body.type].maxVersion);
    await new Promise<void>((resolve, reject) => socket.write(frame, (error) => (error ? reject(new ConnectionError(`could not send to ${this.address}: ${error.message}`)) : resolve())));
  }

  private frame<K extends RequestType>(body: RequestBody<K>, correlationId: number, version: number): Buffer {
    const codec = APIS[body.type];
    return encodeRequest({ apiKey: codec.key, apiVersion: version, correlationId, clientId: CLIENT_ID }, codec.requestSchema(version), codec.requestToWire(body, version));
  }

  /** Settles the request an answer belongs to; the correlationId says which one. */
  private onResponse(frame: Buffer): void {
    if (isJsonProtocol(frame)) {
      // A broker of steps 02 to 08 answers what it cannot read in its own JSON protocol.
      this.failAll(new ConnectionError(`the broker at ${this.address} answered in the workshop's JSON protocol of steps 02 to 08, and this client speaks Kafka's (step 09): use the client of the broker's step (npm run kcat -- --step NN), or a step 09 broker`));
      return;
    }
    const reader = new Reader(frame);
    const correlationId = readResponseHeader(reader);
    const pending = this.pending.get(correlationId);
    if (!pending) return; // an answer to a request nobody waits for any more
    this.pending.delete(correlationId);
    const response = pending.read(reader) as object;
    if (isFailed(response)) pending.reject(new KafkaError(response.error.code, response.error.message));
    else pending.resolve(response);
  }

  /**
   * Connects on first use; later calls share the same socket. When the socket closes (the broker
   * stopped, or hung up), the next request connects again: a client keeps its Connection to a
   * broker across that broker's restarts. Only close() ends it for good.
   */
  private open(): Promise<net.Socket> {
    if (this.closedByUs) return Promise.reject(new Error(`the connection to ${this.address} was closed with close(); make a new one`));
    this.connecting ??= new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      const decoder = new FrameDecoder();
      socket.once('connect', () => {
        this.socket = socket;
        resolve(socket);
      });
      socket.on('data', (chunk) => {
        try {
          for (const frame of decoder.push(chunk)) this.onResponse(frame);
        } catch (error) {
          socket.destroy(error as Error);
        }
      });
      socket.on('error', (error) => {
        const why = new ConnectionError(`connection to ${this.address} failed: ${error.message}. Is a broker running there?`);
        reject(why);
        this.failAll(why);
      });
      socket.on('close', () => {
        this.socket = null;
        this.connecting = null; // the next request connects again
        // A broker hangs up on a request it cannot read; its log says why.
        this.failAll(new ConnectionError(`the connection to ${this.address} closed before the broker answered (a broker closes the connection of a request it cannot read: see its log)`));
      });
    });
    return this.connecting;
  }

  /** Rejects every request still waiting: its answer can no longer arrive. */
  private failAll(error: Error): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /** Closes the socket; requests still waiting are rejected. */
  async close(): Promise<void> {
    this.closedByUs = true;
    const socket = this.socket ?? (await this.connecting?.catch(() => null));
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }
}

/** Where a broker listens: what a client needs to connect to it. */
export interface HostPort {
  host: string;
  port: number;
}

/** "127.0.0.1:9092" → { host, port }, with a message a student can act on when it is malformed. */
export function parseHostPort(server: string): HostPort {
  const match = /^(.+):(\d{1,5})$/.exec(server.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new Error(`"${server}" is not a broker address: write it as host:port, for example 127.0.0.1:9092`);
  return { host: match[1]!, port };
}
