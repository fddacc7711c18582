// The network side of a server that answers framed requests: Kafka's SocketServer, which its
// brokers and its controllers share. It listens, keeps the connections, cuts each stream into
// frames, answers one connection's requests in order (request-queue.ts), turns a bad request
// into an INVALID_REQUEST answer and a refusal (a KafkaError) into that error's answer, and stops
// cleanly. What a request MEANS is the owner's business: the broker and, from step 08, the
// controller each hand it their own `handle`.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { KafkaError } from '../common/errors.ts';
import { FrameDecoder } from './frame.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest, type Reply, type Request, type RequestType, type ResponseOf } from '../protocol/index.ts';
import { RequestQueue } from './request-queue.ts';

export interface SocketServerOptions {
  host: string;
  port: number;
  /** "Broker 2", "Controller 0": how its log lines name it. */
  name: string;
  log: (line: string) => void;
  maxFrameBytes?: number;
  queuedMaxRequests: number;
  connectionsMaxIdleMs: number;
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
      async (frame, clientGone) => {
        const reply = await this.answer(frame, clientGone);
        return reply && encodeMessage(reply);
      },
      { queuedMaxRequests: this.options.queuedMaxRequests, connectionsMaxIdleMs: this.options.connectionsMaxIdleMs, log: this.options.log },
    );
    const decoder = new FrameDecoder({ maxFrameBytes: this.options.maxFrameBytes });
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        // After a bad length there is no way to find the next frame: say why, then hang up on this client only.
        const { message } = error as Error;
        this.options.log(`Closing the connection of ${socket.remoteAddress}:${socket.remotePort}: ${message}`);
        socket.end(encodeMessage(errorResponse(null, 'INVALID_REQUEST', message)));
        socket.off('data', onData);
        return;
      }
      for (const frame of frames) requests.push(frame);
    };
    socket.on('data', onData);
    socket.on('error', (error) => this.options.log(`Connection error: ${error.message}`));
  }

  /** The answer to one frame: the handler's response, an error the client can read, or null for none. */
  private async answer(frame: Buffer, clientGone: AbortSignal): Promise<Reply | null> {
    let request: Request;
    try {
      request = parseRequest(frame);
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      // A malformed request is the client's mistake: answer it, keep the connection open, and log
      // why, which a client that cannot read the answer (kcat, say) never shows.
      this.options.log(`Answered INVALID_REQUEST: ${error.message}`);
      return errorResponse(error.correlationId, 'INVALID_REQUEST', error.message);
    }
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    try {
      const response = await this.handle(request, clientGone);
      return response && { correlationId: request.correlationId, ...response };
    } catch (error) {
      if (error instanceof KafkaError) return errorResponse(request.correlationId, error.code, error.reason);
      // Anything else is a bug, which must not take the server down: UNKNOWN_SERVER_ERROR, details in the log.
      const { message, stack } = error as Error;
      this.options.log(`Failed to handle a ${request.type} request: ${stack ?? message}`);
      return errorResponse(request.correlationId, 'UNKNOWN_SERVER_ERROR', message);
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
