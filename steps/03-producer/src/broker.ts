// STAND-IN for step 02's broker.ts, with step 03's additions.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from './frame.ts';
import { Partition } from './partition.ts';
import { InvalidRequestError, parseRequest, type MetadataRequest, type MetadataResponse, type ProduceRequest, type ProduceResponse, type Request } from './protocol.ts';

export interface BrokerOptions {
  id?: number; host?: string; port?: number; dataDir?: string; log?: (line: string) => void;
  /** Partitions of a topic created on first use. Kafka's `num.partitions`, default 1. */
  numPartitions?: number;
  /** The largest batch the broker accepts, in bytes of keys, values and headers. Kafka's `message.max.bytes`. */
  messageMaxBytes?: number;
}
export interface BrokerAddress { host: string; port: number }

export class Broker {
  readonly id: number;
  private readonly host: string;
  private readonly port: number;
  private readonly log: (line: string) => void;
  private server: Server | null = null;
  private readonly connections = new Set<Socket>();
  private address: BrokerAddress | null = null;
  private readonly numPartitions: number;
  private readonly messageMaxBytes: number;
  private readonly topics = new Map<string, Partition[]>();
  private readonly requests = new Map<string, number>();

  constructor(options: BrokerOptions = {}) {
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
    this.numPartitions = options.numPartitions ?? 1;
    this.messageMaxBytes = options.messageMaxBytes ?? 1_048_588;
  }

  async start(): Promise<BrokerAddress> {
    const server = net.createServer((socket) => this.handleConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.address = { host: address, port };
    this.log(`Broker ${this.id} listening on ${address}:${port}`);
    return { host: address, port };
  }

  private handleConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', (error) => this.log(`Connection error: ${error.message}`));
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      let frames: Buffer[];
      try { frames = decoder.push(chunk); } catch { socket.destroy(); return; }
      for (const frame of frames) {
        let request: Request;
        try { request = parseRequest(frame); } catch (error) {
          const correlationId = (() => { try { return JSON.parse(frame.toString()).correlationId ?? null; } catch { return null; } })();
          socket.write(encodeFrame(Buffer.from(JSON.stringify({ correlationId, error: { code: 'INVALID_REQUEST', message: (error as Error).message } }))));
          continue;
        }
        this.requests.set(request.type, (this.requests.get(request.type) ?? 0) + 1);
        const response = request.type === 'metadata' ? this.handleMetadata(request) : this.handleProduce(request);
        socket.write(encodeFrame(Buffer.from(JSON.stringify({ correlationId: request.correlationId, ...response }))));
      }
    });
  }

  /** How many requests of this type arrived since start (tests and demos read it). */
  requestCount(type: string): number {
    return this.requests.get(type) ?? 0;
  }

  // #region metadata
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    const names = request.topics ?? [...this.topics.keys()];
    const topics = names.map((name) => {
      const partitions = this.partitionsOf(name);
      return {
        name,
        partitions: partitions.map((p) => ({ partition: p.index, leader: this.id, replicas: [this.id], isr: [this.id] })),
      };
    });
    return { brokers: [{ id: this.id, ...this.address! }], topics };
  }
  // #endregion metadata

  /** The partitions of a topic, created with numPartitions partitions on first use. */
  private partitionsOf(topic: string): Partition[] {
    let partitions = this.topics.get(topic);
    if (!partitions) {
      partitions = Array.from({ length: this.numPartitions }, (_, i) => new Partition(topic, i));
      this.topics.set(topic, partitions);
      this.log(`Created topic "${topic}" with ${this.numPartitions} partition(s)`);
    }
    return partitions;
  }

  // #region produce
  private handleProduce(request: ProduceRequest): ProduceResponse {
    const results = request.batches.map(({ topic, partition, records }) => {
      const target = this.partitionsOf(topic)[partition];
      if (!target) {
        return { topic, partition, baseOffset: -1, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `topic "${topic}" has no partition ${partition}` } };
      }
      const decoded = records.map((r) => ({
        key: r.key === null ? null : Buffer.from(r.key, 'base64'),
        value: r.value === null ? null : Buffer.from(r.value, 'base64'),
        timestamp: r.timestamp,
        headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value, 'base64') })),
      }));
      const size = decoded.reduce((sum, r) => sum + (r.key?.length ?? 0) + (r.value?.length ?? 0) + r.headers.reduce((s, h) => s + Buffer.byteLength(h.key) + (h.value?.length ?? 0), 0), 0);
      if (size > this.messageMaxBytes) {
        return { topic, partition, baseOffset: -1, error: { code: 'MESSAGE_TOO_LARGE', message: `a batch of ${size} bytes is over message.max.bytes (${this.messageMaxBytes})` } };
      }
      return { topic, partition, baseOffset: target.append(decoded) };
    });
    return { results };
  }
  // #endregion produce

  /** The records of a partition (for tests and demos; consumers arrive in step 05). */
  records(topic: string, partition: number) {
    return this.topics.get(topic)?.[partition]?.read() ?? [];
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }
}
