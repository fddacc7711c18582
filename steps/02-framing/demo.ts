// Demo for step 02: first why a single read is not a message, then two brokers on 9092 and
// 9093 and a producer that reuses one connection per broker and waits for each ack.
//
//   npm run demo 02                 five messages
//   npm run demo 02 -- 20           twenty
//   npm run demo 02 -- --mine       the same with your steps/02-framing/src
import net from 'node:net';
import type * as Step02 from './src/index.ts';

type Api = typeof Step02;

export default async function demo(api: Api, args: string[]): Promise<void> {
  const count = Number(args[0] ?? 5);
  await showReadOnce(api);
  console.log('\n2. Framed messages, acknowledged, over one connection per broker\n');

  let quiet = false;
  const brokers = [];
  for (const port of [9092, 9093]) {
    const log = (line: string) => !quiet && console.log(`  [broker ${port}] ${line}`);
    let broker = new api.Broker({ id: port - 9091, port, log });
    let address;
    try {
      address = await broker.start();
    } catch {
      // A port in use (a real Kafka, an earlier demo) should not end the demo: take any free one.
      console.log(`  port ${port} is taken; this broker takes any free port instead`);
      broker = new api.Broker({ id: port - 9091, port: 0, log });
      address = await broker.start();
    }
    brokers.push({ broker, address });
  }

  const producer = new api.KafkaProducer({
    bootstrapServers: brokers.map(({ address }) => `${address.host}:${address.port}`),
    log: (line) => console.log(line),
  });
  for (let n = 1; n <= count; n++) {
    await producer.send('test', { value: `This is a test message: ${n}.` });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  quiet = true;
  const started = performance.now();
  const fast = new api.KafkaProducer({ bootstrapServers: brokers.map(({ address }) => `${address.host}:${address.port}`) });
  const burst = 5_000;
  await Promise.all(Array.from({ length: burst }, (_, n) => fast.send('burst', { value: `burst ${n}` })));
  const seconds = (performance.now() - started) / 1000;
  const kept = brokers.map(({ broker }) => broker.received('burst').length);
  console.log(`\n${burst} more messages, all in flight at once: ${Math.round(burst / seconds)} messages/s, kept ${kept.join(' + ')} (one connection per broker).`);

  await producer.close();
  await fast.close();
  for (const { broker } of brokers) await broker.stop();
}

/** Five small messages written at once, read by a server that reads once like the blog's broker. */
async function showReadOnce({ encodeFrame, FrameDecoder }: Api): Promise<void> {
  console.log('1. A single read is not a message\n');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const firstRead = new Promise<Buffer>((resolve) => server.once('connection', (socket) => socket.once('data', resolve)));

  const messages = [1, 2, 3, 4, 5].map((n) => `This is a test message: ${n}.`);
  const client = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  const stream = Buffer.concat(messages.map((message) => encodeFrame(Buffer.from(message))));
  client.write(stream);
  const chunk = await firstRead;
  console.log(`  sent ${messages.length} messages; the first read returned ${chunk.length} bytes:`);
  // The length prefixes are bytes like 00 00 00 1a: shown as · so the glued messages stand out.
  console.log(`  ${chunk.toString('latin1').replace(/[\x00-\x1f]/g, '·')}`);
  console.log('  recv(1024) would have taken all of that as one message.');
  const frames = new FrameDecoder().push(chunk);
  console.log(`  FrameDecoder.push(that chunk) → ${frames.length} frames: ${frames.map((frame) => JSON.stringify(frame.toString())).join(', ')}`);
  client.destroy();
  server.close();
}
