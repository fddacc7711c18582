import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Broker } from '../src/index.ts';
import { firstError, startBrokerProcess } from '#lib/testing/broker-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { closed, collect, connect, firstDifference, portIsFree } from '#lib/testing/net.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { ExpectationFailed, waitUntilSteady, within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();

async function startBroker(): Promise<{ broker: Broker; port: number }> {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0 }));
  const { port } = await broker.start();
  return { broker, port };
}

describe('task 1: start listening', () => {
  test('task 1: start() on port 0 resolves with the real port the broker is listening on', async () => {
    const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0 }));
    const address = await broker.start();
    expect(address.host, 'start() should resolve with the host it bound').toBe('127.0.0.1');
    expect(address.port, 'with port 0 the operating system picks a port: resolve with that one, not 0').toBeGreaterThan(0);
    cleanup(await connect(address.port));
  });

  test('task 1: two brokers run side by side, each on its own port', async () => {
    const first = await startBroker();
    const second = await startBroker();
    expect(second.port, 'two brokers started on port 0 should get different ports').not.toBe(first.port);
    cleanup(await connect(first.port));
    cleanup(await connect(second.port));
  });

  test('task 1: start() rejects when the port is already taken', async () => {
    const { port } = await startBroker();
    const clash = cleanup(new Broker({ host: '127.0.0.1', port }));
    await expect(
      within(clash.start(), 3_000, 'start() on a taken port neither resolved nor rejected'),
      'start() on a port another broker holds should reject with EADDRINUSE (listen reports it as an "error" event)',
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('task 2: echo what arrives', () => {
  test('task 2: bytes sent to the broker come back unchanged', async () => {
    const { port } = await startBroker();
    const client = cleanup(await connect(port));
    const reader = collect(client);
    client.write('This is a test message: 1.');
    const echoed = await reader.bytes(26, 5_000, 'the 26 bytes just sent');
    expect(echoed.toString()).toBe('This is a test message: 1.');
  });

  test('task 2: three concurrent clients are each answered with their own bytes', async () => {
    const { port } = await startBroker();
    const clients = await Promise.all([1, 2, 3].map(async (n) => {
      const socket = cleanup(await connect(port));
      return { n, socket, reader: collect(socket), sent: [] as string[] };
    }));
    // Interleave the writes so that a broker mixing up connections would be caught.
    for (let round = 0; round < 5; round++) {
      for (const client of clients) {
        const line = `client ${client.n} line ${round}\n`;
        client.sent.push(line);
        client.socket.write(line);
      }
    }
    for (const client of clients) {
      const expected = client.sent.join('');
      const echoed = await client.reader.bytes(Buffer.byteLength(expected), 5_000, `client ${client.n}'s ${Buffer.byteLength(expected)} bytes`);
      expect(echoed.toString(), `client ${client.n} should get back exactly what it sent, and nothing from the others`).toBe(expected);
    }
  });

  test('task 2: a 1 MiB payload comes back whole and in order', async () => {
    const { port } = await startBroker();
    const client = cleanup(await connect(port));
    const reader = collect(client);
    const payload = randomBytes(1024 * 1024);
    client.write(payload);
    // TCP delivers this in many chunks: the broker has to echo every one of them.
    const echoed = await reader.bytes(payload.length, 10_000, 'all 1048576 bytes of the payload');
    expect(echoed.equals(payload), `the echo differs from what was sent: ${firstDifference(payload, echoed)}`).toBe(true);
  });

  test('task 2: a client that sends but does not read is read only as fast as it reads its echo, and loses nothing', async () => {
    const { port } = await startBroker();
    const client = cleanup(await connect(port));
    client.pause(); // this client reads nothing, for now
    const block = randomBytes(1024 * 1024);
    const blocks = 32;
    for (let i = 0; i < blocks; i++) client.write(block);
    // Once the socket buffers between the two fill up, a broker that waits for 'drain' stops
    // reading, so most of the 32 MiB stays on the client's side. One that reads on regardless
    // takes it all and holds the echo in its own memory, for as long as the client likes.
    // A second without movement, so that a busy machine pausing this process cannot pass for a broker that stopped reading.
    const unsent = await waitUntilSteady(() => client.writableLength, 1_000, 15_000, 'the client\'s outgoing bytes never stopped moving');
    expect(
      unsent,
      'the broker read all 32 MiB from a client that reads none of its echo: when socket.write() returns false, pause() the socket until its \'drain\' event',
    ).toBeGreaterThan(0);
    const reader = collect(client);
    client.resume();
    const echoed = await reader.bytes(block.length * blocks, 20_000, 'all 32 MiB back once the client reads');
    const expected = Buffer.concat(Array.from({ length: blocks }, () => block));
    expect(echoed.equals(expected), `the echo differs from what was sent: ${firstDifference(expected, echoed)}`).toBe(true);
  });
});

describe('task 3: survive a client that vanishes', () => {
  test('task 3: a client that disconnects abruptly does not take the broker down', async () => {
    // A real process, so that an uncaught 'error' event shows up as a crash we can see.
    const broker = cleanup(await startBrokerProcess(srcDirOfTest(import.meta.url)));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const rude = await connect(broker.port);
        const echoes = collect(rude);
        rude.write(randomBytes(256 * 1024));
        await echoes.bytes(1, 5_000, 'the first echoed byte');
        rude.resetAndDestroy(); // a TCP reset, as when a client process is killed
        await closed(rude);
      }
      const polite = cleanup(await connect(broker.port));
      const reader = collect(polite);
      polite.write('still there?');
      expect((await reader.bytes(12, 5_000, 'an echo from the broker after the resets')).toString()).toBe('still there?');
    } catch (error) {
      // If the process died, that is the real story: say so instead of "connection closed".
      const exit = await within(broker.exited, 2_000, 'still running').catch(() => null);
      if (exit) {
        throw new ExpectationFailed(
          `the broker process died (exit code ${exit.code}) after a client reset its connection: ` +
            `handle each socket's 'error' event. It crashed with: ${firstError(broker.stderr())}`,
        );
      }
      throw error;
    }
  });
});

describe('task 4: stop cleanly', () => {
  test('task 4: stop() closes live connections and frees the port', async () => {
    const { broker, port } = await startBroker();
    const client = cleanup(await connect(port));
    await within(broker.stop(), 3_000, 'stop() did not resolve while a client was still connected: server.close() waits for open connections, so close them too');
    await within(closed(client), 3_000, 'stop() resolved but the client connection is still open');
    expect(await portIsFree(port), `after stop() the port ${port} should be free to bind again`).toBe(true);
  });

  test('task 4: a stopped broker accepts no new clients', async () => {
    const { broker, port } = await startBroker();
    await within(broker.stop(), 3_000, 'stop() did not resolve on a broker with no clients');
    await expect(connect(port), 'connecting after stop() should be refused').rejects.toThrow(/could not connect/);
  });
});
