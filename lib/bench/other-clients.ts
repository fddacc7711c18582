// Apache Kafka's own clients producing the same records to the same cluster as the workshop's
// producer: KafkaJS (pure JavaScript, like ours) and kcat (librdkafka, C). Only step 09's
// brokers speak Kafka's protocol, so only a step 09 cluster gets these rows.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from '../testing/kafkajs.ts';
import { kcatBinary, runClient } from '../testing/real-clients.ts';
import type { Throughput } from './workload.ts';

/** What KafkaJS is given per producer.send(): its API takes an array of messages and sends them as batches. */
const KAFKAJS_MESSAGES_PER_SEND = 1_000;

/** KafkaJS's producer: send() calls of 1000 messages, one after the other, acks=1. */
export async function produceWithKafkajs(bootstrapServers: string[], topic: string, records: number, recordBytes: number): Promise<Throughput> {
  const kafka = new Kafka({ clientId: 'kfs-bench', brokers: bootstrapServers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const value = Buffer.alloc(recordBytes, 'x');
    const messages = Array.from({ length: Math.min(records, KAFKAJS_MESSAGES_PER_SEND) }, () => ({ value }));
    await producer.send({ topic, acks: 1, messages: messages.slice(0, 1) });
    const started = performance.now();
    for (let sent = 0; sent < records; sent += messages.length) {
      await producer.send({ topic, acks: 1, messages: messages.slice(0, Math.min(messages.length, records - sent)) });
    }
    return { records, recordBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await producer.disconnect();
  }
}

/**
 * kcat -P reading `records` lines of `recordBytes` from a file, acks=1; the whole process is
 * timed, start to exit (its start-up and metadata request included: a few milliseconds).
 */
export async function produceWithKcat(bootstrapServers: string[], topic: string, records: number, recordBytes: number, options: { dir: string; batchSize: number; lingerMs: number }): Promise<Throughput> {
  const kcat = kcatBinary();
  const lines = path.join(options.dir, `kcat-${records}x${recordBytes}.txt`);
  const line = 'x'.repeat(recordBytes);
  fs.writeFileSync(lines, `${line}\n`.repeat(records));
  try {
    const args = ['-b', bootstrapServers.join(','), '-P', '-t', topic, '-X', 'acks=1', '-X', `linger.ms=${options.lingerMs}`, '-X', `batch.size=${options.batchSize}`, '-l', lines];
    const started = performance.now();
    const finished = await runClient(kcat, args, { ms: 120_000 });
    const seconds = (performance.now() - started) / 1000;
    if (finished.code !== 0) throw new Error(`kcat ${args.join(' ')} failed (exit ${finished.code}):\n${finished.stderr}`);
    return { records, recordBytes, seconds };
  } finally {
    fs.rmSync(lines, { force: true });
  }
}
