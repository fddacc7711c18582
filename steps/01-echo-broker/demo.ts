// Demo for step 01: two brokers, on 9092 and 9093 as in the blog post this step follows, and a
// client that sends lines to a broker picked at random and prints what comes back.
//
//   npm run demo 01                 five lines, then stop
//   npm run demo 01 -- 20           twenty lines
//   npm run demo 01 -- --mine       the same with your steps/01-echo-broker/src
import net from 'node:net';
import readline from 'node:readline';
import type * as Step01 from './src/index.ts';

type Api = typeof Step01;

export default async function demo({ Broker }: Api, args: string[]): Promise<void> {
  const count = Number(args[0] ?? 5);
  const brokers = [];
  for (const port of [9092, 9093]) {
    const log = (line: string) => console.log(`  [broker ${port}] ${line}`);
    let broker = new Broker({ id: port - 9091, port, log });
    let address;
    try {
      address = await broker.start();
    } catch {
      // A port in use (a real Kafka, an earlier demo) should not end the demo: take any free one.
      console.log(`  port ${port} is taken; this broker takes any free port instead`);
      broker = new Broker({ id: port - 9091, port: 0, log });
      address = await broker.start();
    }
    brokers.push({ broker, address });
  }
  const addresses = brokers.map(({ address }) => address);

  // One connection per message, exactly like the blog's first producer.
  const sendOnce = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const target = addresses[Math.floor(Math.random() * addresses.length)]!;
      const socket = net.connect(target.port, target.host, () => socket.write(line));
      let echoed = '';
      socket.on('data', (chunk) => {
        echoed += chunk.toString();
        // An echo has no message boundary: we know it is complete only by counting bytes.
        if (Buffer.byteLength(echoed) >= Buffer.byteLength(line)) socket.end();
      });
      socket.on('close', () => resolve(`Sent to ${target.host}:${target.port}: ${line}  ⇒  echoed: ${echoed}`));
      socket.on('error', reject);
    });

  for (let n = 1; n <= count; n++) {
    console.log(await sendOnce(`This is a test message: ${n}.`));
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  if (process.stdin.isTTY) {
    console.log('\nYour turn: type a line and press Enter (Ctrl-D to finish).');
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) console.log(await sendOnce(line));
  }

  for (const { broker } of brokers) await broker.stop();
}
