// Demo for step 04: the log on disk. A topic with two partitions gets ten records, the broker
// stops, we look at its files, tear the last batch in half as a crash would, and restart: the
// broker recovers the log to its last whole batch and carries on. Last, the time index finds
// where a moment begins in each partition.
//
//   npm run demo 04                 in a fresh temporary data folder
//   npm run demo 04 -- --mine       the same with your steps/04-commit-log/src
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Step04 from './src/index.ts';

type Api = typeof Step04;

export default async function demo({ Broker, KafkaAdmin, KafkaProducer, Log, jsonSerializer, recordsFrom }: Api): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-demo-04-'));
  const log = (line: string) => console.log(`  [broker] ${line}`);
  const start = async () => {
    let broker = new Broker({ id: 1, port: 9092, dataDir, log });
    try {
      return { broker, address: await broker.start() };
    } catch {
      broker = new Broker({ id: 1, port: 0, dataDir, log });
      return { broker, address: await broker.start() };
    }
  };

  console.log(`1. Ten records into "numtest" (2 partitions), stored under ${dataDir}\n`);
  let { broker, address } = await start();
  const bootstrap = `${address.host}:${address.port}`;
  const admin = new KafkaAdmin({ bootstrapServers: [bootstrap] });
  await admin.createTopic('numtest', { partitions: 2 });
  await admin.close();
  // lingerMs 0 and one send at a time: every record is its own batch, so the files show ten batches.
  const producer = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: jsonSerializer, lingerMs: 0 });
  // Stamped one second apart, as if sent over ten seconds, for the time index in part 5.
  const t0 = Date.now() - 60_000;
  for (let number = 0; number < 10; number++) {
    const meta = await producer.send('numtest', { value: { number }, partition: number % 2, timestamp: t0 + number * 1000 });
    console.log(`Sent {"number": ${number}}  ⇒  partition ${meta.partition}, offset ${meta.offset}`);
  }
  await producer.close();
  await broker.stop();

  console.log('\n2. What is on disk\n');
  for (const folder of fs.readdirSync(dataDir).sort()) {
    for (const file of fs.readdirSync(path.join(dataDir, folder)).sort()) {
      console.log(`  ${path.join(folder, file).padEnd(40)} ${String(fs.statSync(path.join(dataDir, folder, file)).size).padStart(6)} bytes`);
    }
  }

  console.log('\n3. A crash in the middle of a write: the last 20 bytes of numtest-1 are lost\n');
  const segment = path.join(dataDir, 'numtest-1', '00000000000000000000.log');
  fs.truncateSync(segment, fs.statSync(segment).size - 20);

  console.log('4. Restart: the broker opens every log it finds, and the last segment is checked\n');
  ({ broker, address } = await start());
  const counts = [0, 1].map((partition) => broker.records('numtest', partition).length);
  console.log(`\nAfter the restart: numtest-0 holds ${counts[0]} records, numtest-1 holds ${counts[1]} (the torn batch is gone).`);
  const again = new KafkaProducer({ bootstrapServers: [`${address.host}:${address.port}`], valueSerializer: jsonSerializer, lingerMs: 0 });
  const meta = await again.send('numtest', { value: { number: 10 }, partition: 1 });
  console.log(`Sent {"number": 10}  ⇒  partition 1, offset ${meta.offset}: appends carry on from the last whole batch.`);
  await again.close();
  await broker.stop();

  console.log('\n5. Where does t0 + 4.5 s begin? Each log asks its segments\' time index (offsetForTimestamp)\n');
  for (const partition of [0, 1]) {
    const partitionLog = Log.open(dataDir, 'numtest', partition);
    const found = partitionLog.offsetForTimestamp(t0 + 4500);
    const value = found && recordsFrom(partitionLog.read(found.offset, 1), found.offset)[0]?.value;
    console.log(found ? `  numtest-${partition}: offset ${found.offset}, ${value} stamped t0 + ${found.timestamp - t0} ms: the first record at or after it` : `  numtest-${partition}: no record that late`);
    partitionLog.close();
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
