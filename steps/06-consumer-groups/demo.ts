// Demo for step 06: the recitation's "make reads fault-tolerant". The same grouped consumer runs
// twice: the first run prints every record and commits, the second (after a broker restart)
// prints nothing old, only what is produced while it runs. Then two members of one group split
// a topic live, and one takes over everything when the other leaves.
//
//   npm run demo 06                 in a fresh temporary data folder
//   npm run demo 06 -- keep         then keep the broker running for kcat -G, until Ctrl-C
//   npm run demo 06 -- --mine       the same with your steps/06-consumer-groups/src
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Step06 from './src/index.ts';

type Api = typeof Step06;
type Broker = InstanceType<Api['Broker']>;

export default async function demo(api: Api, args: string[]): Promise<void> {
  const { Broker, KafkaAdmin, KafkaConsumer, KafkaProducer, OFFSETS_TOPIC, jsonSerializer, jsonDeserializer, partitionFor } = api;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-demo-06-'));
  // Group events only, indented under the step that causes them.
  const brokerLog = (line: string) => {
    if (/group|offset commit/i.test(line)) console.log(`      [broker] ${line}`);
  };
  // Kafka waits 3 s for more members before a new group's first generation; half a second is enough here.
  const options = { id: 1, dataDir, log: brokerLog, groupInitialRebalanceDelayMs: 500 };
  const start = async (): Promise<{ broker: Broker; bootstrap: string }> => {
    let broker = new Broker({ ...options, port: 9092 });
    const address = await broker.start().catch(() => {
      broker = new Broker({ ...options, port: 0 });
      return broker.start();
    });
    return { broker, bootstrap: `${address.host}:${address.port}` };
  };

  let { broker, bootstrap } = await start();
  const admin = new KafkaAdmin({ bootstrapServers: [bootstrap] });
  await admin.createTopic('numtest', { partitions: 2 });
  await admin.close();
  let producer = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: jsonSerializer, lingerMs: 0 });
  for (let number = 0; number < 10; number++) await producer.send('numtest', { value: { number }, key: Buffer.from(`n${number}`) });
  console.log(`1. producer.ts wrote {"number": 0} to {"number": 9} to "numtest" (2 partitions) at ${bootstrap}\n`);

  // The recitation's consumer.ts: earliest, group numtest-group, auto-commit every second.
  const consumerTs = (name: string, consumerTimeoutMs: number) =>
    new KafkaConsumer('numtest', {
      bootstrapServers: [bootstrap],
      autoOffsetReset: 'earliest',
      groupId: 'numtest-group',
      enableAutoCommit: true,
      autoCommitIntervalMs: 1000,
      valueDeserializer: jsonDeserializer,
      consumerTimeoutMs,
      log: (line) => console.log(`      [${name}] ${line}`),
    });

  console.log('2. First run of consumer.ts (group "numtest-group"): prints everything, then commits\n');
  const firstRun = consumerTs('consumer', 1500);
  let printed = 0;
  for await (const message of firstRun) {
    console.log(`  ${JSON.stringify(message.value)}`);
    printed++;
  }
  await firstRun.close(); // the loop ended (1.5 s without a record); close() commits and leaves the group
  const partition = partitionFor('numtest-group', 50);
  console.log(`\n  ${printed} records; the commits are records in ${OFFSETS_TOPIC}-${partition}: ${broker.records(OFFSETS_TOPIC, partition).length} so far\n`);

  console.log('3. The broker restarts on the same data folder, then consumer.ts runs again\n');
  await producer.close();
  await broker.stop();
  ({ broker, bootstrap } = await start());
  producer = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: jsonSerializer, lingerMs: 0 });
  // It waits up to 3 s for a record: the producer sends two after 1.2 s.
  const secondRun = consumerTs('consumer', 3000);
  const sending = (async () => {
    // While the second run waits, the producer adds two records.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    for (const number of [10, 11]) await producer.send('numtest', { value: { number }, key: Buffer.from(`n${number}`) });
  })();
  const secondPrinted: string[] = [];
  for await (const message of secondRun) {
    console.log(`  ${JSON.stringify(message.value)}`);
    secondPrinted.push(JSON.stringify(message.value));
  }
  await sending;
  await secondRun.close();
  console.log(`\n  The second run printed ${secondPrinted.length} records, none of the first ten: "prints messages once, then only new ones"\n`);

  console.log('4. Two members of group "live-group" on a topic of 4 partitions\n');
  const liveAdmin = new KafkaAdmin({ bootstrapServers: [bootstrap] });
  await liveAdmin.createTopic('live', { partitions: 4 });
  await liveAdmin.close();
  const member = (name: string) => {
    const consumer = new KafkaConsumer('live', {
      bootstrapServers: [bootstrap],
      groupId: 'live-group',
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 200,
      fetchMaxWaitMs: 200,
      valueDeserializer: jsonDeserializer,
      log: (line) => {
        if (line.startsWith('Joined')) console.log(`      [${name}] ${line}`);
      },
    });
    const got: string[] = [];
    const loop = (async () => {
      for await (const message of consumer) got.push(`${(message.value as { number: number }).number}@${message.partition}`);
    })();
    return { name, consumer, got, loop };
  };
  const a = member('member A');
  const b = member('member B');
  await until(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2);
  for (let number = 0; number < 8; number++) await producer.send('live', { value: { number }, partition: number % 4 });
  await until(() => a.got.length + b.got.length === 8);
  for (const { name, got } of [a, b]) console.log(`  ${name} read ${got.join(', ')}   (number@partition)`);

  console.log('\n5. Member A closes: it commits, leaves, and B takes over all four partitions at once\n');
  await a.consumer.close();
  await until(() => b.consumer.assignment().length === 4);
  const before = b.got.length;
  for (let number = 8; number < 12; number++) await producer.send('live', { value: { number }, partition: number % 4 });
  await until(() => b.got.length === before + 4);
  const late = b.got.slice(before);
  const expected = [8, 9, 10, 11].map((number) => `${number}@${number % 4}`);
  const verdict = JSON.stringify([...late].sort()) === JSON.stringify([...expected].sort()) ? `all ${expected.length} new records, none of them twice` : `expected ${expected.join(', ')}: something is off`;
  console.log(`  member B read ${late.join(', ')}: ${verdict}`);
  await b.consumer.close();
  await Promise.all([a.loop, b.loop]);
  await producer.close();

  if (args.includes('keep')) {
    console.log(`\nThe broker keeps running at ${bootstrap}. In two other terminals run\n  npm run kcat -- -b ${bootstrap} -G my-group numtest\nand in a third\n  npm run kcat -- -b ${bootstrap} -P -t numtest\nCtrl-C stops it.`);
    await new Promise((resolve) => process.once('SIGINT', resolve));
  }
  await broker.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** Polls until `condition` holds; the demo's steps each take well under a few seconds. */
async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the demo waited too long: something is off (try npm run demo 06 without --mine)');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
