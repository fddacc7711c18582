// The network side of a server that answers framed requests: Kafka's SocketServer, which its
// brokers and its controllers share. It listens, keeps the connections, cuts each stream into
// frames, answers one connection's requests in order (request-queue.ts), reads each request with
// the schema of its api key and version (protocol/), answers ApiVersions itself, turns a refusal
// (a KafkaError) into that error's answer, and stops cleanly. What a request MEANS is the
// owner's business: the broker and the controller each hand it their own `handle`, and the list
// of requests they answer, which is what ApiVersions advertises.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { KafkaError } from '../common/errors.ts';
import { FrameDecoder } from './frame.ts';
import { APIS, InvalidRequestError, type ApiCodec, encodeResponse, isJsonProtocol, jsonProtocolRefusal, readRequestHeader, requestTypeOf, type ApiVersionRange, type Failed, type Request, type RequestHeader, type RequestType, type ResponseOf } from '../protocol/index.ts';
import { unsupportedVersionBody } from '../protocol/api-versions.ts';
import { Reader, raw } from '../protocol/types.ts';
import { RequestQueue } from './request-queue.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec = ApiCodec<any, any, any, any>;

export interface SocketServerOptions {
  host: string;
  port: number;
  /** "Broker 2", "Controller 0": how its log lines name it. */
  name: string;
  log: (line: string) => void;
  maxFrameBytes?: number;
  queuedMaxRequests: number;
  connectionsMaxIdleMs: number;
  /** The requests the owner answers (ApiVersions comes on top, answered here). */
  apis: RequestType[];
  /** Requests it answers too but ApiVersions does not list: the workshop's own, which no Kafka client knows. */
  unadvertised?: RequestType[];
}

/** Answers one request: its response, or null when none is wanted (a produce with acks=0). */
export type HandleRequest = (request: Request, clientGone: AbortSignal) => ResponseOf<RequestType> | null | Promise<ResponseOf<RequestType> | null>;

export class SocketServer {
  private server: Server | null = null;
  /** Live client connections, so that stop() can close them. */
  private readonly connections = new Set<Socket>();
  /** Requests received per type, so tests and demos can count round trips. */
  private readonly requestCounts = new Map<string, number>();

  constructor(
    private readonly options: SocketServerOptions,
    private readonly handle: HandleRequest,
  ) {}

  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<{ host: string; port: number }> {
    const server = net.createServer((socket) => this.handleConnection(socket));
    // listen() reports failure (say, EADDRINUSE) as an 'error' event, not an exception.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = this.boundAddress();
    this.options.log(`${this.options.name} listening on ${address.host}:${address.port}`);
    return address;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** The address clients reach this server at, as bound (the real port when started on 0). */
  boundAddress(): { host: string; port: number } {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? { host: bound.address, port: bound.port } : { host: this.options.host, port: this.options.port };
  }

  /** How many requests of this type arrived since the server started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    const requests = new RequestQueue(
      socket,
      (frame, clientGone) => {
        // A client of the workshop's JSON protocol (steps 02 to 08) is told so, in words it can read.
        if (isJsonProtocol(frame)) {
          this.options.log(`Answered a request in the workshop's JSON protocol of steps 02 to 08 from ${socket.remoteAddress}:${socket.remotePort}: this broker speaks Kafka's binary protocol`);
          return jsonProtocolRefusal();
        }
        return this.answer(frame, clientGone);
      },
      { queuedMaxRequests: this.options.queuedMaxRequests, connectionsMaxIdleMs: this.options.connectionsMaxIdleMs, log: this.options.log },
    );
    const decoder = new FrameDecoder({ maxFrameBytes: this.options.maxFrameBytes });
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        // After a bad length there is no way to find the next frame, nor a request to answer:
        // say why in the log, then hang up on this client only (Kafka does the same).
        const { message } = error as Error;
        this.options.log(`Closing the connection of ${socket.remoteAddress}:${socket.remotePort}: ${message}`);
        socket.off('data', onData);
        socket.destroy();
        return;
      }
      for (const frame of frames) requests.push(frame);
    };
    socket.on('data', onData);
    socket.on('error', (error) => this.options.log(`Connection error: ${error.message}`));
  }

  /** What ApiVersions advertises: each request this server answers, with the versions its module speaks. */
  apiVersions(): ApiVersionRange[] {
    throw new Error('TODO(step 09, task 6): apiVersions — what ApiVersions advertises');
  }

  /**
   * The bytes that answer one frame, or null for none. A request that cannot be read throws: the
   * request queue then logs why and closes the connection, as Kafka does, since what follows a
   * misread request cannot be trusted either.
   */
  private async answer(frame: Buffer, clientGone: AbortSignal): Promise<Buffer | null> {
    throw new Error('TODO(step 09, task 6): answer — read the header, find the codec, read the request, answer it in its version');
  }

  private serves(type: RequestType, version: number): boolean {
    const codec = APIS[type];
    return (type === 'apiVersions' || this.options.apis.includes(type) || (this.options.unadvertised ?? []).includes(type)) && version >= codec.minVersion && version <= codec.maxVersion;
  }

  /**
   * A request in an api or version this server does not speak. ApiVersions gets UNSUPPORTED_VERSION
   * with what the server does speak, so that the client can ask again in a version from that list
   * (librdkafka asks v3 first and relies on it, KIP-511). Anything else is a client that did not
   * negotiate: as in Kafka, it is an invalid request, and the connection closes.
   */
  private unsupported(header: RequestHeader, type: RequestType | undefined): Buffer {
    throw new Error('TODO(step 09, task 6): unsupported — ApiVersions: UNSUPPORTED_VERSION with the versions this server speaks; anything else: an InvalidRequestError that says what it speaks');
  }

  /** The owner's response, or the refusal of the whole request as an error the codec writes into the answer. */
  private async respond(request: Request, clientGone: AbortSignal): Promise<ResponseOf<RequestType> | Failed | null> {
    try {
      return await this.handle(request, clientGone);
    } catch (error) {
      if (error instanceof KafkaError) return { error: { code: error.code, message: error.reason } };
      // Anything else is a bug, which must not take the server down: UNKNOWN_SERVER_ERROR, details in the log.
      const { message, stack } = error as Error;
      this.options.log(`Failed to handle a ${request.type} request: ${stack ?? message}`);
      return { error: { code: 'UNKNOWN_SERVER_ERROR', message } };
    }
  }

  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }
}
