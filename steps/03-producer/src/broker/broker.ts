// A broker: a TCP server that many clients talk to at once.
//
// Step 01 made it a good server, step 02 made it speak in framed requests. Step 03 gives it
// topics split into partitions: a topic is created the first time someone asks for it, each
// partition numbers its records with offsets, `metadata` tells clients which broker leads each
// partition (here always this one), and `produce` carries batches for many partitions at once.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { KafkaError } from '../common/errors.ts';
import { FrameDecoder } from '../network/frame.ts';
import { errorBody } from '../common/errors.ts';
import type { RecordWithOffset } from './partition.ts';
import { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from '../protocol/index.ts';
import type { MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, ProduceResult, Reply, Request, RequestOf, RequestType, ResponseOf } from '../protocol/index.ts';
import { ReplicaManager } from './replica-manager.ts';
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
  /** Partitions of a topic created on first use; Kafka's `num.partitions`, 1 by default. */
  numPartitions?: number;
  /**
   * The largest batch accepted, counted here in bytes of keys, values and headers. Kafka's
   * `message.max.bytes` (1 MiB and 12 bytes) counts the batch as the producer sent it (compressed,
   * if it is) and as the log stores it, header included; step 09 counts it that way.
   */
  messageMaxBytes?: number;
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
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  private readonly replicaManager: ReplicaManager;
  /** Requests received per type, so tests and demos can count round trips. */
  private readonly requestCounts = new Map<string, number>();
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
    this.replicaManager = new ReplicaManager({
      numPartitions: options.numPartitions ?? 1,
      messageMaxBytes: options.messageMaxBytes ?? 1_048_588,
      log: this.log,
    });
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
    // A chunk is whatever the network delivered: part of a frame, or several. The decoder
    // (one per connection: each stream is cut on its own) turns chunks back into frames.
    const decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes });
    const onData = (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        // After a bad length there is no way to find the next frame: say why, then hang up on
        // this client only. Every other connection has its own decoder and carries on.
        const { message } = error as Error;
        this.log(`Closing the connection of ${socket.remoteAddress}:${socket.remotePort}: ${message}`);
        socket.end(encodeMessage(errorResponse(null, 'INVALID_REQUEST', message)));
        socket.off('data', onData); // stop reading: later chunks would only hit the same bad length
        return;
      }
      for (const frame of frames) requests.push(frame);
    };
    socket.on('data', onData);
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
    metadata: (request) => this.handleMetadata(request),
  };

  /** Routes a request to its handler by type. */
  private handle(request: Request): ResponseOf<RequestType> {
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    const handler = this.handlers[request.type] as (request: Request) => ResponseOf<RequestType>;
    return handler(request);
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  /** The brokers, and each asked-for topic's partitions with their leader. */
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    throw new Error('TODO(step 03, task 5): Broker.handleMetadata — describe this broker and, for each topic asked for (or every topic), its partitions led by this broker');
  }

  /** Appends each batch to its partition; one result per batch, and one bad batch spoils no other. */
  private handleProduce(request: ProduceRequest): ProduceResponse {
    const results = request.batches.map(({ topic, partition, records }): ProduceResult => {
      try {
        return { topic, partition, baseOffset: this.replicaManager.append(topic, partition, records) };
      } catch (error) {
        return { topic, partition, baseOffset: -1, error: errorBody(error) };
      }
    });
    return { results };
  }

  /** The records of a partition from `offset` on (for tests and demos). */
  records(topic: string, partition: number, offset = 0): RecordWithOffset[] {
    return this.replicaManager.records(topic, partition, offset);
  }

  /** The address clients reach this broker at, as bound (the real port when started on 0). */
  private boundAddress(): BrokerAddress {
    const bound = this.server?.address() as AddressInfo | null | undefined;
    return bound ? { host: bound.address, port: bound.port } : { host: this.host, port: this.port };
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
