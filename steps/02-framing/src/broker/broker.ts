// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server (a port, many clients, surviving the ones that vanish, a clean
// stop). Step 02 makes it speak a protocol: it cuts each connection's byte stream into frames,
// reads a request out of each, keeps the message, and answers with an acknowledgement that
// carries the request's correlationId.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { KafkaError } from '../common/errors.ts';
import { FrameDecoder } from '../network/frame.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from '../protocol/index.ts';
import type { ProduceRequest, ProduceResponse, Reply, Request, RequestOf, RequestType, ResponseOf } from '../protocol/index.ts';
import { RequestQueue } from '../network/request-queue.ts';

export interface BrokerOptions {
  /** The broker's id in a cluster; Kafka's `broker.id`. It names the broker in its log lines (and, from step 03, in metadata). */
  id?: number;
  /** Interface to bind. Loopback by default, so nothing outside this machine can connect. */
  host?: string;
  /** TCP port; 0 asks the operating system for any free port. Kafka's default is 9092. */
  port?: number;
  /** Where the broker keeps its data (used from step 04 on). */
  dataDir?: string;
  /** Where to print what the broker does; silent unless given (the demo passes console.log). */
  log?: (line: string) => void;
  /** The largest frame accepted from a client, in bytes; Kafka's `socket.request.max.bytes` (100 MiB). */
  maxFrameBytes?: number;
  /** Requests one connection may have waiting for their turn before the broker stops reading from it; after Kafka's `queued.max.requests` (500). */
  queuedMaxRequests?: number;
  /** A connection with nothing to do for this long is closed; Kafka's `connections.max.idle.ms` (10 minutes). */
  connectionsMaxIdleMs?: number;
}

export interface BrokerAddress {
  host: string;
  port: number;
}

export class Broker {
  readonly id: number;
  private readonly host: string;
  private readonly port: number;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  /** Live client connections, so that stop() can close them. */
  private readonly connections = new Set<Socket>();
  /** Every message received, per topic, in arrival order (step 04 moves this to disk). */
  private readonly topics = new Map<string, Buffer[]>();
  /** The largest frame a client may send; Kafka's `socket.request.max.bytes`. */
  private readonly maxFrameBytes: number | undefined;
  /** Frames one connection may have waiting for their turn; Kafka's `queued.max.requests`. */
  private readonly queuedMaxRequests: number;
  /** How long a connection may sit idle before the broker closes it; Kafka's `connections.max.idle.ms`. */
  private readonly connectionsMaxIdleMs: number;

  constructor(options: BrokerOptions = {}) {
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
    this.maxFrameBytes = options.maxFrameBytes;
    this.queuedMaxRequests = options.queuedMaxRequests ?? 500;
    this.connectionsMaxIdleMs = options.connectionsMaxIdleMs ?? 600_000;
  }

  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    const server = net.createServer((socket) => this.handleConnection(socket));
    // listen() reports failure (say, EADDRINUSE) as an 'error' event, not an exception.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.log(`Broker ${this.id} listening on ${address}:${port}`);
    return { host: address, port };
  }

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    // Answers this connection's requests one at a time, in the order they came (request-queue.ts).
    const requests = new RequestQueue(socket, (frame) => encodeMessage(this.answer(frame)), {
      queuedMaxRequests: this.queuedMaxRequests,
      connectionsMaxIdleMs: this.connectionsMaxIdleMs,
      log: this.log,
    });
    // TODO(step 02, task 3): Broker.handleConnection — cut the stream into frames, hand each one to requests.push, and close only this connection when a frame is too large
    // Without a listener, an 'error' event (a client resetting its connection, say) is thrown
    // and takes the whole process down with it.
    socket.on('error', (error) => this.log(`Connection error: ${error.message}`));
  }

  /** The response to one frame: the handler's answer, or an error the client can read. */
  private answer(frame: Buffer): Reply {
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open.
      return this.refused(error);
    }
    try {
      return { correlationId: request.correlationId, ...this.handle(request) };
    } catch (error) {
      // A handler refuses a request by throwing a KafkaError: that is the answer.
      if (error instanceof KafkaError) return errorResponse(request.correlationId, error.code, error.reason);
      // Anything else is a bug, which must not take the broker down: UNKNOWN_SERVER_ERROR, details in the log.
      const { message, stack } = error as Error;
      this.log(`Failed to handle a ${request.type} request: ${stack ?? message}`);
      return errorResponse(request.correlationId, 'UNKNOWN_SERVER_ERROR', message);
    }
  }

  /** INVALID_REQUEST, and the same in the log: a client that cannot read the answer (kcat, say) never shows why. */
  private refused(error: InvalidRequestError): Reply {
    this.log(`Answered INVALID_REQUEST: ${error.message}`);
    return errorResponse(error.correlationId, 'INVALID_REQUEST', error.message);
  }

  /** Each request type's handler; later steps add theirs. The types hold each to its own request and response. */
  private readonly handlers: { [K in RequestType]: (request: RequestOf<K>) => ResponseOf<K> } = {
    produce: (request) => this.handleProduce(request),
  };

  /** Routes a request to its handler by type. */
  private handle(request: Request): ResponseOf<RequestType> {
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    const handler = this.handlers[request.type] as (request: Request) => ResponseOf<RequestType>;
    return handler(request);
  }

  /** Keeps the message at the end of its topic and acknowledges it. */
  private handleProduce(request: ProduceRequest): ProduceResponse {
    throw new Error('TODO(step 02, task 4): Broker.handleProduce — keep the decoded value at the end of its topic\'s list, log it, and acknowledge');
  }

  /** The messages received for a topic, in arrival order (for tests and demos). */
  received(topic: string): Buffer[] {
    return [...(this.topics.get(topic) ?? [])];
  }

  /** host:port as bound, for log lines. */
  private boundAddress(): string {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? `${bound.address}:${bound.port}` : `${this.host}:${this.port}`;
  }

  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    // server.close() only stops new connections; it waits for live ones to end on their own.
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    this.log(`Broker ${this.id} stopped`);
  }
}
