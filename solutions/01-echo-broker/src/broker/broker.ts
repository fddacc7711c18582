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

  // #region start
  /** Starts listening. Resolves with the address really bound (the real port when port is 0). */
  async start(): Promise<BrokerAddress> {
    //> step 01 task 1: Broker.start — listen on host:port and resolve with the address really bound
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
    //<
  }
  // #endregion start

  /** Serves one client for as long as it stays connected, independently of every other. */
  private handleConnection(socket: Socket): void {
    this.log(`Connected by ${socket.remotePort === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`}`);
    //> step 01 task 2 omit: Broker.handleConnection — remember the socket until it closes, and write every chunk it sends back to it
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    // A chunk is whatever the network delivered: part of a message, or several. Echo each as is.
    // write() returns false once the socket holds more than it can send at once: the client is
    // not reading its echo. Read nothing more from it until that has drained ('drain'), so a
    // client that only sends can never make the broker hold more than a socket buffer of it.
    socket.on('data', (chunk) => {
      if (!socket.write(chunk)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    //<
    //> step 01 task 3 omit: Broker.handleConnection — handle the socket's 'error' event so one client's failure cannot crash the broker
    // Without a listener, an 'error' event (a client resetting its connection, say) is thrown
    // and takes the whole process down with it.
    socket.on('error', (error) => this.log(`Connection error: ${error.message}`));
    //<
  }

  // #region stop
  /** Stops accepting clients, closes every live connection, and resolves once the port is free. */
  async stop(): Promise<void> {
    //> step 01 task 4: Broker.stop — close the listener and every live connection, then resolve
    const server = this.server;
    if (!server) return;
    this.server = null;
    // server.close() only stops new connections; it waits for live ones to end on their own.
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    this.log(`Broker ${this.id} stopped`);
    //<
  }
  // #endregion stop
}
