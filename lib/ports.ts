// Ports for brokers that run as processes (`npm run broker`, `npm run cluster`, the tests'
// cluster harness). A cluster must know every broker's address before any of them starts, so
// port 0 ("any free port") cannot be left to each broker: free ports are picked first, by binding
// port 0 and reading what the system gave. Another process may take one of them before the
// broker binds it, so whoever picks them retries the whole start when a broker reports it taken.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The exit code of a broker process whose port is taken (EADDRINUSE), so that the process that
 * started it can tell this from any other failure and try again with other ports.
 */
export const PORT_TAKEN_EXIT_CODE = 98;

/** Whether an error from listen() means the port is taken. */
export function isPortTaken(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';
}

/** `count` different ports that were free a moment ago on `host` (all held at once, then released). */
export async function pickFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}
