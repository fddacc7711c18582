// One benchmark run: a cluster of broker processes of the chosen code (a controller and three
// brokers from step 08, as in production each in its own process), the machine's limits first,
// then every measurement in turn against that cluster. Each result is reported as it comes.
import os from 'node:os';
import { has } from '../step-features.ts';
import { startCluster, type ClusterProcess } from '../testing/cluster-process.ts';
import { makeTempDir, removeTempDir } from '../testing/temp-dir.ts';
import { bestOf, rawFileAppend, rawLoopback, type Moved } from './limits.ts';
import { produceWithKafkajs, produceWithKcat } from './other-clients.ts';
import { consumeAll, endToEndLatency, produce, recordsPerSecond, type BenchApi, type Latency, type Throughput } from './workload.ts';

/** How much each measurement does: `full` for the charts, `quick` for under a minute, `tiny` for the harness's own test. */
export type Size = 'full' | 'quick' | 'tiny';

interface Plan {
  /** Records per throughput measurement (100 bytes each). */
  records: number;
  oneAtATime: number;
  oneKiB: number;
  batchSizes: number[];
  lingers: number[];
  latencySeconds: number;
  limitMs: number;
  limitRounds: number;
}

const PLANS: Record<Size, Plan> = {
  full: { records: 500_000, oneAtATime: 3_000, oneKiB: 100_000, batchSizes: [4_096, 16_384, 65_536, 262_144], lingers: [0, 5, 20], latencySeconds: 5, limitMs: 1_000, limitRounds: 3 },
  quick: { records: 30_000, oneAtATime: 500, oneKiB: 10_000, batchSizes: [16_384, 65_536], lingers: [0, 5], latencySeconds: 1.5, limitMs: 400, limitRounds: 2 },
  tiny: { records: 1_000, oneAtATime: 50, oneKiB: 200, batchSizes: [16_384, 65_536], lingers: [0, 5], latencySeconds: 0.4, limitMs: 100, limitRounds: 1 },
};

/** Kafka's record size in the benchmarks this one follows (Kreps 2014, kafka-producer-perf-test). */
export const RECORD_BYTES = 100;
/** The producer's settings where a measurement does not vary them: Kafka 4's defaults for linger, a larger batch. */
export const DEFAULT_BATCH = 65_536;
export const DEFAULT_LINGER_MS = 5;
/** Partitions of every throughput topic: two per broker, so every broker and connection is busy. */
export const PARTITIONS = 6;
/** Offered rates for the latency measurement, as fractions of the fastest acks=1 rate measured. */
export const LATENCY_FRACTIONS = [0.25, 0.5, 0.75];

export interface ThroughputRow {
  label: string;
  run: Throughput;
}

export interface ClientRow {
  client: string;
  run?: Throughput;
  /** Why it was not measured. */
  skipped?: string;
}

export interface Results {
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; platform: string; loadAverage: number };
  /** Which code ran: "step 09 reference", "your steps/09-kafka-protocol/src". */
  code: string;
  size: Size;
  limits: { loopback: Moved; fileAppend: Moved };
  oneAtATime: Throughput;
  sweep: Array<{ batchSize: number; lingerMs: number; run: Throughput }>;
  acks: Array<{ acks: 0 | 1 | 'all'; replicationFactor: number; minInsyncReplicas: number; run: Throughput }>;
  consumer: Throughput;
  oneKiB: Throughput;
  latency: Array<Latency & { fraction: number }>;
  clients: ClientRow[];
}

export interface RunOptions {
  api: BenchApi;
  srcDir: string;
  stepNumber: number;
  code: string;
  size: Size;
  /** Called with each line of progress as the run goes. */
  progress: (line: string) => void;
  /** Told the cluster once it has started, so that Ctrl-C can stop it. */
  onCluster?: (cluster: ClusterProcess) => void;
}

export async function runBenchmark(options: RunOptions): Promise<Results> {
  const { api, size, progress } = options;
  const plan = PLANS[size];
  // Other work on the machine lowers every figure: the load when the run began goes with them.
  const startLoad = Number(os.loadavg()[0]!.toFixed(2));
  const scratch = makeTempDir('kfs-bench-');
  try {
    progress('Limits of this machine');
    const loopback = await bestOf(plan.limitRounds, () => rawLoopback(plan.limitMs));
    progress(`  raw loopback TCP, 16 KiB writes: ${mbps(loopback)}`);
    const fileAppend = await bestOf(plan.limitRounds, () => rawFileAppend(scratch, plan.limitMs));
    progress(`  raw file append, 16 KiB writes + fsync: ${mbps(fileAppend)}`);

    const withController = has(options.stepNumber, 'controller');
    progress(`\nStarting ${withController ? 'a controller and ' : ''}3 broker processes of ${options.code}`);
    const cluster = await startCluster(options.srcDir, { brokers: 3, controller: withController });
    options.onCluster?.(cluster);
    try {
      const bootstrapServers = cluster.bootstrapServers;
      const admin = new api.KafkaAdmin({ bootstrapServers });
      let topics = 0;
      const topic = async (replicationFactor: number, minInsyncReplicas = 1) => {
        const name = `bench-${++topics}-rf${replicationFactor}`;
        await admin.createTopic(name, { partitions: PARTITIONS, replicationFactor, configs: { 'min.insync.replicas': String(minInsyncReplicas) } });
        return name;
      };
      const throughput = async (label: string, run: Promise<Throughput>) => {
        const measured = await run;
        progress(`  ${label.padEnd(44)} ${Math.round(recordsPerSecond(measured)).toLocaleString('en-US').padStart(9)} records/s`);
        return measured;
      };
      const base = { bootstrapServers, recordBytes: RECORD_BYTES };

      // Code runs slowly until V8 has compiled it, in the brokers as in the clients: a first run, not reported, warms both.
      progress('\nWarming up (a first run, not reported)');
      const warm = await topic(1);
      await produce(api, { ...base, topic: warm, records: plan.records, acks: 1, batchSize: DEFAULT_BATCH, lingerMs: DEFAULT_LINGER_MS });
      await consumeAll(api, bootstrapServers, warm, plan.records + 1);

      progress(`\nBatching: ${RECORD_BYTES}-byte records, acks=1, ${PARTITIONS} partitions, 1 replica`);
      const oneAtATime = await throughput('one record per request (send, wait, send)', produce(api, { ...base, topic: await topic(1), records: plan.oneAtATime, acks: 1, batchSize: 1, lingerMs: 0, oneAtATime: true }));
      const sweep: Results['sweep'] = [];
      for (const batchSize of plan.batchSizes) {
        for (const lingerMs of plan.lingers) {
          const run = await throughput(`batchSize ${kib(batchSize)}, lingerMs ${lingerMs}`, produce(api, { ...base, topic: await topic(1), records: plan.records, acks: 1, batchSize, lingerMs }));
          sweep.push({ batchSize, lingerMs, run });
        }
      }

      progress(`\nAcks and replication (batchSize ${kib(DEFAULT_BATCH)}, lingerMs ${DEFAULT_LINGER_MS})`);
      const acks: Results['acks'] = [];
      let consumed: { topic: string; records: number } | null = null;
      for (const replicationFactor of [1, 3]) {
        const minInsyncReplicas = replicationFactor === 3 ? 2 : 1;
        for (const ack of [0, 1, 'all'] as const) {
          const name = await topic(replicationFactor, minInsyncReplicas);
          const run = await throughput(`acks=${ack}, RF ${replicationFactor}${replicationFactor > 1 ? `, min ISR ${minInsyncReplicas}` : ''}`, produce(api, { ...base, topic: name, records: plan.records, acks: ack, batchSize: DEFAULT_BATCH, lingerMs: DEFAULT_LINGER_MS }));
          acks.push({ acks: ack, replicationFactor, minInsyncReplicas, run });
          // What acks=1 wrote to one replica is read back by the consumer: every record is there.
          if (ack === 1 && replicationFactor === 1) consumed = { topic: name, records: plan.records + 1 };
        }
      }

      progress('\nThe consumer reading back what acks=1, RF 1 wrote (from offset 0, no group)');
      const consumer = await throughput('workshop KafkaConsumer', consumeAll(api, bootstrapServers, consumed!.topic, consumed!.records));

      progress('\n1 KiB records, acks=1, RF 1');
      const oneKiB = await throughput('workshop KafkaProducer, 1 KiB records', produce(api, { bootstrapServers, recordBytes: 1_024, topic: await topic(1), records: plan.oneKiB, acks: 1, batchSize: DEFAULT_BATCH, lingerMs: DEFAULT_LINGER_MS }));

      // The fastest acks=1 producer rate seen is "the maximum"; the latency schedule offers fractions of it.
      const maximum = Math.max(...acks.filter((row) => row.acks === 1 && row.replicationFactor === 1).map((row) => recordsPerSecond(row.run)));
      progress(`\nEnd-to-end latency, produce to consume, acks=1, RF 1, ${PARTITIONS} partitions, lingerMs 0, at fixed rates (maximum ${Math.round(maximum).toLocaleString('en-US')} records/s)`);
      const latency: Results['latency'] = [];
      for (const fraction of LATENCY_FRACTIONS) {
        const rate = Math.max(10, Math.round(maximum * fraction));
        const measured = await endToEndLatency(api, options.srcDir, { bootstrapServers, topic: await topic(1), rate, seconds: plan.latencySeconds, recordBytes: RECORD_BYTES, acks: 1, batchSize: DEFAULT_BATCH, lingerMs: 0 });
        latency.push({ ...measured, fraction });
        progress(`  ${`${Math.round(fraction * 100)} % = ${rate.toLocaleString('en-US')} records/s`.padEnd(44)} p50 ${ms(measured.p50)}  p99 ${ms(measured.p99)}  p99.9 ${ms(measured.p999)}  (${measured.received} of ${measured.sent} arrived)`);
      }

      progress(`\nClients side by side: ${RECORD_BYTES}-byte records, acks=1, ${PARTITIONS} partitions, 1 replica`);
      const clients: ClientRow[] = [];
      const client = async (name: string, measure: () => Promise<Throughput>) => {
        try {
          clients.push({ client: name, run: await throughput(name, measure()) });
        } catch (error) {
          const skipped = (error as Error).message.split('\n')[0]!;
          clients.push({ client: name, skipped });
          progress(`  ${name.padEnd(44)} not measured: ${skipped}`);
        }
      };
      await client("workshop KafkaProducer", async () => produce(api, { ...base, topic: await topic(1), records: plan.records, acks: 1, batchSize: DEFAULT_BATCH, lingerMs: DEFAULT_LINGER_MS }));
      if (has(options.stepNumber, 'kafkaProtocol')) {
        await client('KafkaJS 2.2', async () => produceWithKafkajs(bootstrapServers, await topic(1), plan.records, RECORD_BYTES));
        await client('kcat -P (librdkafka)', async () => produceWithKcat(bootstrapServers, await topic(1), plan.records, RECORD_BYTES, { dir: scratch, batchSize: DEFAULT_BATCH, lingerMs: DEFAULT_LINGER_MS }));
        clients.push({ client: '@platformatic/kafka', skipped: PLATFORMATIC });
        progress(`  ${'@platformatic/kafka'.padEnd(44)} not measured: ${PLATFORMATIC}`);
      } else {
        clients.push({ client: 'KafkaJS, kcat', skipped: `step ${String(options.stepNumber).padStart(2, '0')} speaks the workshop's JSON protocol; Kafka's clients need step 09` });
      }
      await admin.close();
      return {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}`, loadAverage: startLoad },
        code: options.code,
        size,
        limits: { loopback, fileAppend },
        oneAtATime,
        sweep,
        acks,
        consumer,
        oneKiB,
        latency,
        clients,
      };
    } finally {
      await cluster.stop();
    }
  } finally {
    removeTempDir(scratch);
  }
}

/** Why @platformatic/kafka has no row: its oldest versions are newer than any step 09 speaks. */
export const PLATFORMATIC =
  "its 1.x line (the last for Node 20) asks for ApiVersions v3+, Metadata v9+ and Produce v7+, newer versions than step 09's brokers answer";

export const kib = (bytes: number) => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
export const mbps = (moved: Moved) => `${((moved.bytes / moved.seconds) / 1e6).toFixed(0)} MB/s`;
export const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(1)} ms`);
