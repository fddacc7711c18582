// Demo for step 05: the recitation's two terminals in one. A consumer reads "numtest" from the
// earliest offset while a producer writes {"number": 0} to {"number": 9}; each record arrives
// while the next is still on its way, then kcat -L lists the topic and a second consumer reads
// everything again (a read removes nothing).
//
//   npm run demo 05                 in a fresh temporary data folder
//   npm run demo 05 -- keep         then keep the broker running for kcat, until Ctrl-C
//   npm run demo 05 -- --mine       the same with your steps/05-consumer/src
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Step05 from './src/index.ts';

type Api = typeof Step05;

export default async function demo({ Broker, KafkaAdmin, KafkaConsumer, KafkaProducer, jsonSerializer, jsonDeserializer, kcat }: Api, args: string[]): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-demo-05-'));
  let broker = new Broker({ id: 1, port: 9092, dataDir });
  const address = await broker.start().catch(() => {
    broker = new Broker({ id: 1, port: 0, dataDir });
    return broker.start();
  });
  const bootstrap = `${address.host}:${address.port}`;
  const admin = new KafkaAdmin({ bootstrapServers: [bootstrap] });
  await admin.createTopic('numtest', { partitions: 2 });
  await admin.close();

  console.log(`1. A consumer waits on "numtest" (2 partitions) at ${bootstrap} while a producer writes ten records\n`);
  const consumer = new KafkaConsumer('numtest', { bootstrapServers: [bootstrap], autoOffsetReset: 'earliest', valueDeserializer: jsonDeserializer, consumerTimeoutMs: 1000 });
  const sentAt = new Map<number, number>();
  const started = Date.now();
  const reading = (async () => {
    let count = 0;
    for await (const message of consumer) {
      const { number } = message.value as { number: number };
      console.log(`  Consumed ${JSON.stringify(message.value)}  from ${message.topic}-${message.partition} @ ${message.offset}, ${Date.now() - sentAt.get(number)!} ms after it was sent`);
      if (++count === 10) break;
    }
  })();
  const producer = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: jsonSerializer, lingerMs: 0 });
  for (let number = 0; number < 10; number++) {
    // One record every 100 ms, spread over both partitions by key, like the recitation's producer.py with its sleep.
    await new Promise((resolve) => setTimeout(resolve, 100));
    sentAt.set(number, Date.now());
    await producer.send('numtest', { value: { number }, key: Buffer.from(`n${number}`) });
  }
  await reading;
  const elapsed = (Date.now() - started) / 1000;
  console.log(`\n  Fetch requests: ${broker.requestCount('fetch')} for 10 records in ${elapsed.toFixed(1)} s (long polling: no busy loop)\n`);
  await consumer.close();
  await producer.close();

  console.log(`2. npm run kcat -- -b ${bootstrap} -L\n`);
  const io = { stdin: (async function* () {})(), stdout: (text: string) => process.stdout.write(text.replace(/^(?=.)/gm, '  ')), stderr: (text: string) => process.stdout.write(text.replace(/^(?=.)/gm, '  ')) };
  await kcat(['-b', bootstrap, '-L'], io);

  console.log('\n3. A second consumer from earliest: reading removed nothing, so it gets all ten again\n');
  const again = new KafkaConsumer('numtest', { bootstrapServers: [bootstrap], autoOffsetReset: 'earliest', valueDeserializer: jsonDeserializer, consumerTimeoutMs: 300 });
  const numbers: number[] = [];
  for await (const message of again) numbers.push((message.value as { number: number }).number);
  await again.close();
  console.log(`  Read ${numbers.length} records: ${numbers.sort((a, b) => a - b).join(', ')}; the loop ended after 300 ms without a record (consumerTimeoutMs).`);

  if (args.includes('keep')) {
    console.log(`\nThe broker keeps running at ${bootstrap}. In another terminal try:\n  npm run kcat -- -b ${bootstrap} -C -t numtest -e\nCtrl-C stops it.`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
