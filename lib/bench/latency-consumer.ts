// The consumer of the latency measurement, as a process of its own (as a real consumer would be):
//
//   node --import tsx lib/bench/latency-consumer.ts <srcDir> <bootstrap,servers> <topic> <records>
//
// It reads the topic from its end. A value starting with index -1 is a marker: the first one it
// sees makes it print "ready" (the producer may start). For every other record it notes when it
// arrived, as milliseconds since the epoch (the producer's clock is the same machine's), and once
// it has them all, or nothing came for 15 s, prints them as one JSON array and exits.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { importStepApi } from '../step-api.ts';
import type { BenchApi } from './workload.ts';

const [srcDir, bootstrap, topic, count] = process.argv.slice(2);
const total = Number(count);
const api = await importStepApi<BenchApi>(path.join(srcDir!, 'index.ts'), ['KafkaConsumer'], 'the latency measurement reads with the step\'s KafkaConsumer');
const consumer = new api.KafkaConsumer(topic!, { bootstrapServers: bootstrap!.split(','), autoOffsetReset: 'latest', fetchMaxWaitMs: 100, consumerTimeoutMs: 15_000 });
const arrived: Array<number | null> = new Array(total).fill(null);
let ready = false;
let received = 0;
for await (const record of consumer) {
  const now = performance.timeOrigin + performance.now();
  const index = record.value!.readInt32BE(0);
  if (index < 0) {
    if (!ready) process.stdout.write('ready\n');
    ready = true;
  } else if (index < total && arrived[index] === null) {
    arrived[index] = now;
    received += 1;
    if (received === total) break;
  }
}
await consumer.close();
process.stdout.write(`${JSON.stringify(arrived)}\n`);
