import { describe, expect, test } from 'vitest';
import { Broker, KafkaProducer } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();
const WAIT_MS = 3_000;

/** Starts a broker on a free port, counting the connections it accepts through its log. */
async function startBroker(id: number) {
  let connections = 0;
  const broker = cleanup(new Broker({ id, host: '127.0.0.1', port: 0, log: (line) => (line.startsWith('Connected by') ? connections++ : 0) }));
  const { host, port } = await broker.start();
  return { broker, address: `${host}:${port}`, connections: () => connections };
}

describe('task 6: the producer', () => {
  test('task 6: send() resolves once the broker has the message, and logs where it went', async () => {
    const { broker, address } = await startBroker(1);
    const lines: string[] = [];
    const producer = cleanup(new KafkaProducer({ bootstrapServers: [address], log: (line) => lines.push(line) }));
    await within(producer.send('greetings', { value: 'This is a test message: 1.' }), WAIT_MS, 'send() did not resolve');
    expect(broker.received('greetings').map(String), 'when send() resolves the broker must already have the message').toEqual(['This is a test message: 1.']);
    expect(lines, 'the producer logs each send like the blog: "Sent to host:port: message"').toEqual([`Sent to ${address}: This is a test message: 1.`]);
  });

  test('task 6: a 4 MiB message arrives whole', async () => {
    const { broker, address } = await startBroker(1);
    const producer = cleanup(new KafkaProducer({ bootstrapServers: [address] }));
    const value = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = (i * 13) % 256;
    await within(producer.send('big', { value }), 10_000, 'sending 4 MiB did not finish');
    const [kept] = broker.received('big');
    expect(kept?.length, 'the broker should keep all 4 MiB').toBe(value.length);
    expect(kept?.equals(value), 'the 4 MiB must arrive byte for byte').toBe(true);
  });

  test('task 6: messages spread over both brokers, each over one reused connection', async () => {
    const brokers = [await startBroker(1), await startBroker(2)];
    const producer = cleanup(new KafkaProducer({ bootstrapServers: brokers.map((b) => b.address) }));
    for (let n = 1; n <= 60; n++) await within(producer.send('test', { value: `This is a test message: ${n}.` }), WAIT_MS, `send() of message ${n} did not resolve`);
    const counts = brokers.map((b) => b.broker.received('test').length);
    expect(counts[0]! + counts[1]!, 'every message should reach one broker').toBe(60);
    expect(Math.min(...counts), `pick a broker at random for each message: 60 messages went ${counts[0]} / ${counts[1]}`).toBeGreaterThan(0);
    expect(brokers.map((b) => b.connections()), 'one connection per broker, opened once and reused for every message, not one per message').toEqual([1, 1]);
  });

  test('task 6: a broker that is not running makes send() reject with a readable error', async () => {
    const { broker, address } = await startBroker(1);
    await broker.stop();
    const producer = cleanup(new KafkaProducer({ bootstrapServers: [address] }));
    await expect(within(producer.send('test', { value: 'x' }), WAIT_MS, 'send() to a stopped broker neither resolved nor rejected')).rejects.toThrow(/ECONNREFUSED|Is a broker running/);
  });
});
