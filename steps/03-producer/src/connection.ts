// STAND-IN for step 02's connection.ts.
import net from 'node:net';
import { KafkaError } from './errors.ts';
import { encodeFrame, FrameDecoder } from './frame.ts';

export class Connection {
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  constructor(readonly host: string, readonly port: number) {}

  private open(): Promise<net.Socket> {
    if (this.connecting) return this.connecting;
    this.connecting = new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      const decoder = new FrameDecoder();
      socket.once('connect', () => { this.socket = socket; resolve(socket); });
      socket.on('data', (chunk) => {
        for (const frame of decoder.push(chunk)) {
          const response = JSON.parse(frame.toString('utf8'));
          const waiter = this.pending.get(response.correlationId);
          if (!waiter) continue;
          this.pending.delete(response.correlationId);
          if (response.error) waiter.reject(new KafkaError(response.error.code, response.error.message));
          else waiter.resolve(response);
        }
      });
      socket.on('error', (error) => { reject(error); this.failAll(error); });
      socket.on('close', () => this.failAll(new Error(`connection to ${this.host}:${this.port} closed`)));
    });
    return this.connecting;
  }
  private failAll(error: Error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
  async request(body: Record<string, unknown>): Promise<any> {
    const socket = await this.open();
    const correlationId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { resolve, reject });
      socket.write(encodeFrame(Buffer.from(JSON.stringify({ ...body, correlationId }))));
    });
  }
  async close(): Promise<void> {
    this.socket?.destroy();
  }
}
