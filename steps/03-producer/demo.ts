// Demo for step 03: why the producer batches.
//
// The same records are sent twice to one broker: first the way the Recurse Center blog post's producer does it (a
// new connection for every message, wait for the ack, hang up), then with KafkaProducer, whose
// record accumulator packs them into batches. Both rates are printed, and the ratio.
//
//   npm run demo 03                 20 000 records each way
//   npm run demo 03 -- 5000         another count
//   npm run demo 03 -- --mine       the same with your steps/03-producer/src
import type * as Step03 from './src/index.ts';

type Api = typeof Step03;

const TOPIC = 'numtest';

export default async function demo({ Broker, Connection, KafkaProducer, jsonSerializer }: Api, args: string[]): Promise<void> {
  const count = Number(args[0] ?? 20_000);
  if (!Number.isInteger(count) || count < 1) throw new Error(`give a number of records, like "npm run demo 03 -- 5000" (got "${args[0]}")`);
  // The broker logs every connection: after the first few, 20 000 of those lines would bury the figures.
  let quiet = false;
  const log = (line: string) => !quiet && console.log(`  [broker] ${line}`);

  let broker = new Broker({ id: 1, port: 9092, log, numPartitions: 3 });
  let address;
  try {
    address = await broker.start();
  } catch {
    console.log('  port 9092 is taken; the broker takes any free port instead');
    broker = new Broker({ id: 1, port: 0, log, numPartitions: 3 });
    address = await broker.start();
  }
  const bootstrap = `${address.host}:${address.port}`;
  // The recitation's producer.py sends {"number": n} as JSON: so do we, both ways.
  const value = (n: number) => jsonSerializer({ number: n }, TOPIC)!;

  // 1. One connection per message, like the blog's producer.
  console.log(`\n1. One connection per message: ${count} records, each on a new connection, waiting for its ack`);
  const oneByOne = await timed(async () => {
    for (let n = 0; n < count; n++) {
      const connection = new Connection(address.host, address.port);
      const response = await connection.request({
        type: 'produce',
        acks: 1,
        batches: [{ topic: TOPIC, partition: n % 3, records: [{ key: null, value: value(n).toString('base64'), timestamp: Date.now(), headers: [] }] }],
      });
      await connection.close();
      if (n === 3) {
        quiet = true;
        console.log(`  … ${count - 3} more, each on its own connection (broker log muted)`);
      }
      if (n < 3) console.log(`Sent to ${bootstrap}: {"number": ${n}}  ⇒  partition ${n % 3}, offset ${response.results[0]!.baseOffset}`);
    }
  });
  const requestsBefore = broker.requestCount('produce');

  // 2. KafkaProducer: serializer, partitioner, record accumulator.
  console.log(`\n2. KafkaProducer (batchSize 16384, lingerMs 5): the same ${count} records`);
  const producer = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: jsonSerializer });
  const batched = await timed(async () => {
    const sends = [];
    for (let n = 0; n < count; n++) sends.push(producer.send(TOPIC, { value: { number: n } }));
    const metas = await Promise.all(sends);
    for (const meta of metas.slice(0, 3)) console.log(`Sent to ${bootstrap}: {"number": ${metas.indexOf(meta)}}  ⇒  partition ${meta.partition}, offset ${meta.offset}`);
  });
  await producer.close();
  quiet = false;
  const batchedRequests = broker.requestCount('produce') - requestsBefore;

  const rate = (ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');
  console.log('\nResults');
  console.log(`  one connection per message  ${ms(oneByOne)}  ${rate(oneByOne).padStart(10)} records/s  (${requestsBefore} produce requests)`);
  console.log(`  KafkaProducer, batched      ${ms(batched)}  ${rate(batched).padStart(10)} records/s  (${batchedRequests} produce requests, ${Math.round(count / batchedRequests)} records each)`);
  console.log(`  batching is ${(oneByOne / batched).toFixed(1)}× faster`);
  await broker.stop();
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`.padStart(8);
}
