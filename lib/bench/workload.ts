// What the benchmark asks of the workshop's own clients: a producer sending as fast as it can, a
// consumer reading a topic back, and a producer sending on a fixed schedule while a consumer
// measures how long each record took to arrive.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { StepApi } from '../step-api.ts';

/** What of a step's public API the benchmark uses; steps 07 to 09 export the same clients (09 speaks Kafka's protocol underneath). */
export type BenchApi = Pick<StepApi, 'KafkaAdmin' | 'KafkaProducer' | 'KafkaConsumer'>;

/** What of it the benchmark uses: checked when it is loaded, so a student's copy missing one is told which. */
export const BENCH_NEEDS = ['KafkaAdmin', 'KafkaProducer', 'KafkaConsumer'] as const;

/** Records sent or read, their value size, and the seconds it took. */
export interface Throughput {
  records: number;
  /** Bytes of value per record. */
  recordBytes: number;
  seconds: number;
}

export const recordsPerSecond = ({ records, seconds }: Throughput) => records / seconds;
export const valueBytesPerSecond = (run: Throughput) => recordsPerSecond(run) * run.recordBytes;

export interface ProduceOptions {
  bootstrapServers: string[];
  topic: string;
  records: number;
  recordBytes: number;
  acks: 0 | 1 | 'all';
  batchSize: number;
  lingerMs: number;
  /** Wait for every send before the next: one request per record, as before the accumulator. */
  oneAtATime?: boolean;
}

/**
 * How many sends may be unanswered before the loop waits for the oldest: Kafka's producer blocks
 * in send() once its buffer.memory is full; this is the same brake, counted in records.
 */
export const UNANSWERED = 10_000;

/** The workshop's producer sending `records` values as fast as it is able; the clock starts after a first send has fetched metadata and connected. */
export async function produce(api: BenchApi, options: ProduceOptions): Promise<Throughput> {
  const producer = new api.KafkaProducer({ bootstrapServers: options.bootstrapServers, acks: options.acks, batchSize: options.batchSize, lingerMs: options.lingerMs });
  try {
    const value = Buffer.alloc(options.recordBytes, 'x');
    await producer.send(options.topic, { value });
    const sends: Array<Promise<unknown>> = new Array(options.records);
    const started = performance.now();
    for (let i = 0; i < options.records; i++) {
      if (options.oneAtATime) await producer.send(options.topic, { value });
      else {
        if (i >= UNANSWERED) await sends[i - UNANSWERED];
        sends[i] = producer.send(options.topic, { value });
      }
    }
    if (!options.oneAtATime) await Promise.all(sends);
    return { records: options.records, recordBytes: options.recordBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await producer.close();
  }
}

/** The workshop's consumer (no group) reading `records` records of `topic` from its first offset. */
export async function consumeAll(api: BenchApi, bootstrapServers: string[], topic: string, records: number): Promise<Throughput> {
  const consumer = new api.KafkaConsumer(topic, { bootstrapServers, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, consumerTimeoutMs: 10_000 });
  try {
    let read = 0;
    let bytes = 0;
    const started = performance.now();
    for await (const record of consumer) {
      read += 1;
      bytes += record.value?.length ?? 0;
      if (read === records) break;
    }
    const seconds = (performance.now() - started) / 1000;
    if (read < records) throw new Error(`the consumer read ${read} of the ${records} records in ${topic}, then nothing for 10 s`);
    return { records: read, recordBytes: bytes / read, seconds };
  } finally {
    await consumer.close();
  }
}

export interface LatencyOptions {
  bootstrapServers: string[];
  topic: string;
  /** Records per second offered, on a schedule fixed before the first send. */
  rate: number;
  seconds: number;
  recordBytes: number;
  acks: 1 | 'all';
  batchSize: number;
  lingerMs: number;
}

export interface Latency {
  rate: number;
  sent: number;
  received: number;
  /** Milliseconds from each record's scheduled send to its arrival at the consumer. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * End-to-end latency at a fixed offered rate. Record i is due at start + i/rate; the sender sends
 * every due record on each turn of the loop, and latency is measured from when the record was
 * due, not from when send() was called. A producer that stalls therefore shows its stall in every
 * record that waited behind it, instead of sending less and hiding it (coordinated omission).
 * The consumer is a process of its own (latency-consumer.ts), so producer and consumer each have
 * a process, as they would in production; both read the same machine's clock.
 */
export async function endToEndLatency(api: BenchApi, srcDir: string, options: LatencyOptions): Promise<Latency> {
  const { bootstrapServers, topic, rate } = options;
  const total = Math.max(1, Math.round(rate * options.seconds));
  const epochNow = () => performance.timeOrigin + performance.now();
  const consumer = spawn(process.execPath, ['--import', 'tsx', CONSUMER, srcDir, bootstrapServers.join(','), topic, String(total)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  consumer.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  consumer.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = new Promise<number | null>((resolve) => consumer.once('close', resolve));
  const producer = new api.KafkaProducer({ bootstrapServers, acks: options.acks, batchSize: options.batchSize, lingerMs: options.lingerMs });
  const due = new Float64Array(total);
  try {
    // The consumer starts at the end of the log once it first fetches; records sent before that
    // would never reach it. Markers go out until it says it has read one.
    const marker = Buffer.alloc(options.recordBytes, 'x');
    marker.writeInt32BE(-1, 0);
    const giveUpAt = Date.now() + 30_000;
    while (!output.startsWith('ready\n')) {
      if (consumer.exitCode !== null || Date.now() > giveUpAt) throw new Error(`the latency consumer did not start reading ${topic}:\n${errors}`);
      await producer.send(topic, { value: marker });
      await delay(100);
    }

    const start = epochNow() + 10;
    for (let i = 0; i < total; i++) due[i] = start + (i * 1000) / rate;
    const sends: Array<Promise<unknown>> = [];
    for (let next = 0; next < total; ) {
      const now = epochNow();
      while (next < total && due[next]! <= now) {
        const value = Buffer.alloc(options.recordBytes, 'x');
        value.writeInt32BE(next, 0);
        sends.push(producer.send(topic, { value }));
        next += 1;
      }
      if (next < total) await delay(Math.min(1, due[next]! - epochNow()));
    }
    await Promise.all(sends);
    const code = await exited;
    if (code !== 0) throw new Error(`the latency consumer failed (exit ${code}):\n${errors}`);
  } finally {
    await producer.close();
    if (consumer.exitCode === null && consumer.signalCode === null) consumer.kill('SIGKILL');
    await exited;
  }
  const arrived = JSON.parse(output.slice('ready\n'.length)) as Array<number | null>;
  const latencies: number[] = [];
  arrived.forEach((at, i) => {
    if (at !== null) latencies.push(at - due[i]!);
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rate, sent: total, received: latencies.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: latencies.at(-1) ?? Number.NaN };
}

/** The consumer process of endToEndLatency. */
const CONSUMER = fileURLToPath(new URL('./latency-consumer.ts', import.meta.url));
