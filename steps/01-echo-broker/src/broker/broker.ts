// A broker, at its simplest: a TCP server that many clients can talk to at once.
//
// In this first step the broker only echoes: every byte a client sends comes straight back to
// that client. What matters here is the life of a server: binding a port, serving many
// connections independently, surviving clients that vanish, and shutting down cleanly.
import net from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

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

  constructor(options: BrokerOptions = {}) {
    this.id = options.id ?? 1;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.log = options.log ?? (() => {});
  }

  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    throw new Error('TODO(step 01, task 1): Broker.start — listen on host:port and resolve with the address really bound');
  }

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    // TODO(step 01, task 2): Broker.handleConnection — remember the socket until it closes, and write every chunk it sends back to it
    // TODO(step 01, task 3): Broker.handleConnection — handle the socket's 'error' event so one client's failure cannot crash the broker
  }

  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    throw new Error('TODO(step 01, task 4): Broker.stop — close the listener and every live connection, then resolve');
  }
}
