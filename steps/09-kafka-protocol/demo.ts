// Demo for step 09: the brokers speak Apache Kafka's own protocol, so Kafka's own clients work
// against them unchanged. A controller and three brokers as processes; kcat (librdkafka),
// kafka-python (the recitation's producer.py and consumer.py) and KafkaJS produce and consume
// numtest; then a benchmark: records/s of the workshop's producer and consumer, KafkaJS and kcat,
// and 1 KiB records against what raw loopback TCP moves on this machine.
//
//   npm run demo 09                  the reference
//   npm run demo 09 -- --mine        your steps/09-kafka-protocol/src
//   npm run demo 09 -- quick         a fifth of the benchmark's records (quicker, noisier)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Consumer, type Producer } from '#lib/testing/kafkajs.ts';
import { rawLoopback } from '#lib/bench/limits.ts';
import { todoInLog } from '#lib/testing/broker-log.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { ClientProcess, kcatBinary, pythonWithKafka, type Finished } from '#lib/testing/real-clients.ts';
import type * as Step09 from './src/index.ts';

type Api = typeof Step09;

const RECITATION = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recitation');
const CLIENT_MS = 40_000;

export default async function demo(api: Api, args: string[], { srcDir }: { srcDir: string }): Promise<void> {
  const { Broker, Connection, KafkaAdmin, KafkaConsumer, KafkaProducer, checkBatchAt } = api;
  const scale = args.includes('quick') ? 0.2 : 1;
  // Kafka's own clients must be here: say how to install them now, rather than fail halfway through.
  let kcatBin: string;
  let python: string;
  try {
    kcatBin = kcatBinary();
    python = pythonWithKafka();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
    return;
  }

  // Everything started here is stopped in finally, and on Ctrl-C too (after which nothing more is printed).
  let stopping = false;
  const say = (...parts: unknown[]) => {
    if (!stopping) console.log(...parts);
  };
  const closers: Array<() => Promise<unknown>> = [];
  const clients = new Set<ClientProcess>();
  let starting: Promise<ClusterProcess> | null = null;
  let cleaning: Promise<void> | null = null;
  // In order: the clients in this process, the client processes, then the cluster. A client still
  // delivering to a broker that is gone would retry for its deliveryTimeoutMs: each close gets a
  // few seconds. On Ctrl-C (which reaches the brokers too) the processes go first.
  const closeClients = (ms: number) => Promise.all(closers.reverse().map((close) => within(close(), ms, () => 'close').catch(() => {})));
  const cleanUp = (interrupted = false) =>
    (cleaning ??= (async () => {
      if (!interrupted) await closeClients(3_000);
      await Promise.all([...clients].map((client) => client.stop()));
      // A cluster still starting stops itself if it fails (Ctrl-C reaches its processes too).
      await (await starting?.catch(() => null))?.stop();
      if (interrupted) await closeClients(500);
    })());
  /** Registers how to close something; once cleaning up has begun (Ctrl-C), closes it at once. */
  const defer = (close: () => Promise<unknown>) => {
    if (cleaning) void close().catch(() => {});
    else closers.push(close);
  };
  const interrupted = (signal: NodeJS.Signals) => {
    say(`\n${signal}: stopping every process this demo started…`);
    stopping = true;
    void cleanUp(true).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  /** Runs a real client to its end (or kills it after CLIENT_MS); Ctrl-C stops it too. */
  const run = async (command: string, commandArgs: string[], input?: string): Promise<Finished> => {
    if (stopping) throw new Error('stopped');
    const client = new ClientProcess(command, commandArgs, input === undefined ? {} : { input });
    clients.add(client);
    const timer = setTimeout(() => void client.stop(), CLIENT_MS);
    const finished = await client.exited;
    clearTimeout(timer);
    clients.delete(client);
    if (finished.code !== 0) throw new Error(`${path.basename(command)} ${commandArgs.join(' ')} failed (exit ${finished.code}):\n${finished.stderr}`);
    return finished;
  };
  const indent = (lines: string[]) => lines.map((line) => `    ${line}`).join('\n');

  try {
    await selfCheck(Broker);
    say('1. A controller and three brokers, each its own process: the cluster you built\n');
    starting = startCluster(srcDir, {
      brokers: 3,
      controller: true,
      controllerOptions: { brokerSessionTimeoutMs: 3_000 },
      brokerOptions: { brokerHeartbeatIntervalMs: 500, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 200, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 1_000 },
    });
    const cluster = await starting;
    const controller = cluster.controller();
    say(`  controller ${controller.id}  ${controller.host}:${controller.port}  pid ${controller.pid}`);
    for (const broker of cluster.brokers) say(`  broker ${broker.id}      ${broker.host}:${broker.port}  pid ${broker.pid}`);
    const bootstrapServers = cluster.bootstrapServers;
    const bootstrap = bootstrapServers.join(',');
    const admin = new KafkaAdmin({ bootstrapServers });
    defer(() => admin.close());

    // ---------------------------------------------------------------------------------------
    say('\n2. numtest (3 partitions, 3 replicas) made with the workshop\'s KafkaAdmin; the real kcat describes it\n');
    await admin.createTopic('numtest', { partitions: 3, replicationFactor: 3 });
    say(`  $ kcat -b ${bootstrap} -L -t numtest`);
    const listed = await run(kcatBin, ['-b', bootstrap, '-L', '-t', 'numtest']);
    say(indent(listed.stdout.split('\n').filter((line) => /brokers:|broker \d|topic "|partition \d/.test(line)).map((line) => line.trim())));

    // ---------------------------------------------------------------------------------------
    say('\n3. The recitation\'s kafka-python producer writes 10 numbers; kcat, kafka-python, KafkaJS and the workshop\'s consumer read them\n');
    say(`  $ python3 recitation/producer.py --bootstrap ${bootstrapServers[0]} --count 10 --interval 0`);
    const produced = await run(python, [path.join(RECITATION, 'producer.py'), '--bootstrap', bootstrapServers[0]!, '--count', '10', '--interval', '0']);
    say(indent(produced.stdout.split('\n').filter(Boolean)));

    // The four readers run side by side; their output is printed one after the other.
    const kcatArgs = ['-b', bootstrap, '-C', '-t', 'numtest', '-e', '-q', '-o', 'beginning', '-f', 'numtest-%p offset %o: %s\\n'];
    const kcatRead = run(kcatBin, kcatArgs);
    const pythonRead = run(python, [path.join(RECITATION, 'consumer.py'), '--bootstrap', bootstrapServers[0]!, '--group', 'numtest-group', '--idle-ms', '3000']);
    const kafka = new Kafka({ clientId: 'kfs-demo', brokers: bootstrapServers, logLevel: logLevel.NOTHING });
    const kafkajsRead = (async () => {
      const consumer: Consumer = kafka.consumer({ groupId: 'kafkajs-group', sessionTimeout: 6_000, heartbeatInterval: 500 });
      defer(() => consumer.disconnect());
      const values: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'numtest', fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length === 10) resolve();
          },
        });
      });
      await within(done, 20_000, () => `the KafkaJS group read ${values.length} of 10 records`);
      await consumer.disconnect();
      return values;
    })();
    const workshopRead = (async () => {
      const consumer = new KafkaConsumer<Buffer | null, unknown>('numtest', { bootstrapServers, autoOffsetReset: 'earliest', consumerTimeoutMs: 3_000, fetchMaxWaitMs: 100, valueDeserializer: (data) => JSON.parse(data!.toString()) });
      defer(() => consumer.close());
      const values: unknown[] = [];
      for await (const record of consumer) {
        values.push(record.value);
        if (values.length === 10) break;
      }
      await consumer.close();
      return values;
    })();
    const [kcatOut, pythonOut, kafkajsValues, workshopValues] = await Promise.all([kcatRead, pythonRead, kafkajsRead, workshopRead]);
    say(`\n  $ kcat -b … ${kcatArgs.slice(2).map((arg) => (arg.includes(' ') ? `'${arg}'` : arg)).join(' ')}`);
    say(indent(kcatOut.stdout.split('\n').filter(Boolean)));
    const numbersOf = (values: unknown[]) => values.map((value) => (value as { number: number }).number).sort((a, b) => a - b).join(' ');
    const parsed = (lines: string[]) => numbersOf(lines.map((line) => JSON.parse(line)));
    say(`\n  consumer.py (kafka-python, group numtest-group)  read ${pythonOut.stdout.split('\n').filter(Boolean).length}: ${parsed(pythonOut.stdout.split('\n').filter(Boolean))}`);
    say(`  KafkaJS consumer (group kafkajs-group)           read ${kafkajsValues.length}: ${parsed(kafkajsValues)}`);
    say(`  the workshop's KafkaConsumer (no group)          read ${workshopValues.length}: ${numbersOf(workshopValues)}`);

    // The broker stored kafka-python's batches as they came: fetch them raw and look at them.
    const metadataConnection = new Connection(cluster.brokers[0]!.host, cluster.brokers[0]!.port);
    defer(() => metadataConnection.close());
    const metadata = await metadataConnection.request({ type: 'metadata', topics: ['numtest'] });
    const addressOf = (id: number) => metadata.brokers.find((broker) => broker.id === id)!;
    const summaries: string[] = [];
    for (const { partition, leader } of metadata.topics[0]!.partitions) {
      const connection = new Connection(addressOf(leader).host, addressOf(leader).port);
      try {
        const { partitions } = await connection.request({ type: 'fetch', replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, partitions: [{ topic: 'numtest', partition, offset: 0 }] });
        const bytes = partitions[0]!.records;
        let batches = 0;
        let records = 0;
        for (let position = 0; ; ) {
          const found = checkBatchAt(bytes, position);
          if (found.kind !== 'batch') break;
          batches += 1;
          records += found.header.recordCount;
          position += found.size;
        }
        summaries.push(`numtest-${partition}: ${records} record${records === 1 ? '' : 's'} in ${batches} batch${batches === 1 ? '' : 'es'} (${bytes.length} bytes), each batch's CRC-32C matching`);
      } finally {
        await connection.close();
      }
    }
    say('\n  The leaders store the record batches (v2) byte for byte as kafka-python sent them;');
    say(`  one record each, as producer.py waits for every send:\n${indent(summaries)}`);

    // ---------------------------------------------------------------------------------------
    const n100 = Math.round(300_000 * scale);
    const nKafkajs = Math.round(100_000 * scale);
    const nKcat = Math.round(300_000 * scale);
    const n1k = Math.round(100_000 * scale);
    const LINGER_MS = 5;
    const BATCH_SIZE = 65_536;
    const UNANSWERED = 10_000;
    await admin.createTopic('perf', { partitions: 1, replicationFactor: 1 });
    await admin.createTopic('perf-1k', { partitions: 1, replicationFactor: 1 });
    const leaderOf = async (topic: string) => {
      const { topics } = await metadataConnection.request({ type: 'metadata', topics: [topic] });
      return cluster.broker(topics[0]!.partitions[0]!.leader);
    };
    const perfLeader = await leaderOf('perf');
    const perf1kLeader = await leaderOf('perf-1k');
    say(`\n4. Performance, measured now: 100-byte records with acks=1 into topic perf, 1 partition, 1 replica (on broker ${perfLeader.id})`);
    say('  One partition and no followers: a single broker process does the work, each client fills one partition.');
    const cores = os.cpus().length;
    const load = os.loadavg()[0]!;
    say(`  Clients and brokers share this machine's ${cores} cores; load average ${load.toFixed(1)}${load > cores ? ', so other work competes and the figures come out lower' : ''}.`);
    say('  The settings:');
    say(`    workshop KafkaProducer  acks 1, lingerMs ${LINGER_MS}, batchSize ${BATCH_SIZE / 1024} KiB; send() after send(), at most ${UNANSWERED.toLocaleString('en-US')} unanswered`);
    say('    KafkaJS                 acks 1, producer.send() of 1000 messages, one send at a time');
    say(`    kcat -P -l lines.txt    -X acks=1 -X linger.ms=${LINGER_MS} -X batch.size=${BATCH_SIZE}; the whole process timed, start to exit`);
    say('    workshop KafkaConsumer  everything in perf, offset 0 to the end (no group)');
    say(`    1 KiB records           the workshop's producer as above, into perf-1k (1 partition, 1 replica, on broker ${perf1kLeader.id})`);
    say('    raw loopback TCP        this process writes 16 KiB buffers to a bare node process: the ceiling (best of 3 × 0.5 s)\n');
    say(`  ${'client'.padEnd(WIDTH)} ${'records'.padStart(9)} ${'seconds'.padStart(8)} ${'records/s'.padStart(11)} ${'MB/s'.padStart(7)}`);
    const report = (row: Row) => {
      say(`  ${row.client.padEnd(WIDTH)} ${format(row)}`);
      return row;
    };

    // The workshop's producer: send() after send(), waiting only when UNANSWERED records have no
    // answer yet (Kafka's producer blocks in send() when its buffer.memory is full: the same brake).
    const produceWithWorkshop = async (topic: string, count: number, value: Buffer) => {
      const producer = new KafkaProducer({ bootstrapServers, acks: 1, lingerMs: LINGER_MS, batchSize: BATCH_SIZE });
      defer(() => producer.close());
      await producer.send(topic, { value, partition: 0 }); // metadata and connection first, off the clock
      const sends: Array<Promise<unknown>> = new Array(count);
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        if (i >= UNANSWERED) await sends[i - UNANSWERED];
        sends[i] = producer.send(topic, { value, partition: 0 });
      }
      await Promise.all(sends);
      const seconds = (performance.now() - started) / 1000;
      await producer.close();
      return seconds;
    };
    const value100 = Buffer.alloc(100, 'x');
    const workshop = report({ client: 'workshop KafkaProducer', records: n100, bytes: 100, seconds: await produceWithWorkshop('perf', n100, value100) });

    {
      const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
      defer(() => producer.disconnect());
      await producer.connect();
      const messages = Array.from({ length: 1000 }, () => ({ value: value100, partition: 0 }));
      await producer.send({ topic: 'perf', acks: 1, messages: messages.slice(0, 1) });
      const started = performance.now();
      for (let sent = 0; sent < nKafkajs; sent += messages.length) await producer.send({ topic: 'perf', acks: 1, messages });
      const seconds = (performance.now() - started) / 1000;
      await producer.disconnect();
      report({ client: 'KafkaJS producer.send()', records: nKafkajs, bytes: 100, seconds });
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-demo-09-'));
    const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
    process.once('exit', removeDir); // whatever happens, even process.exit() on Ctrl-C
    defer(async () => {
      removeDir();
      process.off('exit', removeDir);
    });
    const linesFile = path.join(dir, 'lines.txt');
    fs.writeFileSync(linesFile, Array.from({ length: nKcat }, (_, i) => String(i).padStart(100, '.')).join('\n') + '\n');
    let kcatRow: Row;
    {
      const started = performance.now();
      await run(kcatBin, ['-b', bootstrap, '-P', '-t', 'perf', '-p', '0', '-X', 'acks=1', '-X', `linger.ms=${LINGER_MS}`, '-X', `batch.size=${BATCH_SIZE}`, '-l', linesFile]);
      kcatRow = report({ client: 'kcat -P (librdkafka)', records: nKcat, bytes: 100, seconds: (performance.now() - started) / 1000 });
    }

    {
      const total = 1 + n100 + 1 + nKafkajs + nKcat; // with the two records sent before the clocks started
      const consumer = new KafkaConsumer('perf', { bootstrapServers, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, consumerTimeoutMs: 5_000 });
      defer(() => consumer.close());
      const started = performance.now();
      let read = 0;
      let bytes = 0;
      for await (const record of consumer) {
        read += 1;
        bytes += record.value?.length ?? 0;
        if (read === total) break;
      }
      const seconds = (performance.now() - started) / 1000;
      await consumer.close();
      report({ client: 'workshop KafkaConsumer, reading perf', records: read, bytes: bytes / read, seconds });
      if (read !== total) say(`  (${total} records were acknowledged, the consumer found ${read})`);
    }

    const oneK = report({ client: 'workshop KafkaProducer, 1 KiB records', records: n1k, bytes: 1024, seconds: await produceWithWorkshop('perf-1k', n1k, Buffer.alloc(1024, 'x')) });
    // The loopback's speed swings from one second to the next on a shared machine: its best of three is the ceiling.
    let raw = { bytes: 0, seconds: 1 };
    for (let round = 0; round < 3; round++) {
      const measured = await rawLoopback(500);
      if (measured.bytes / measured.seconds > raw.bytes / raw.seconds) raw = measured;
    }
    say(`  ${'raw loopback TCP, 16 KiB writes'.padEnd(WIDTH)} ${''.padStart(9)} ${raw.seconds.toFixed(2).padStart(8)} ${''.padStart(11)} ${mb(raw.bytes / raw.seconds).padStart(7)}`);

    const rate = (row: Row) => row.records / row.seconds;
    const fraction = (rate(oneK) * oneK.bytes) / (raw.bytes / raw.seconds);
    say(`\n  MB/s counts record values only (1 MB = 10^6 bytes).`);
    say(`  The workshop's producer: ${Math.round(rate(workshop)).toLocaleString('en-US')} records/s of 100 bytes.`);
    say(`  With 1 KiB records: ${mb(rate(oneK) * oneK.bytes)} MB/s, ${(fraction * 100).toFixed(1)} % of the ${mb(raw.bytes / raw.seconds)} MB/s raw TCP moves between two processes here.`);
    if (rate(kcatRow) > rate(workshop)) {
      say(`  kcat put ${(rate(kcatRow) / rate(workshop)).toFixed(1)}× as many into the same broker: the broker takes that much, the client makes the difference`);
      say('  (librdkafka is C, and keeps many batches in flight where the workshop\'s producer keeps one per partition).');
    }
    say('  Where the time goes: run a producer under node --cpu-prof and open the .cpuprofile (Chrome DevTools, or speedscope).');
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

/**
 * One broker in this process first, watching its log: a broker whose code still has a TODO on its
 * way to start (it retries registering for ever) fails here at once with that TODO, which the demo
 * command prints, rather than after the cluster's 30 s wait for processes that never listen.
 */
async function selfCheck(Broker: Api['Broker']): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-demo-09-check-'));
  const lines: string[] = [];
  const broker = new Broker({ port: 0, dataDir: dir, log: (line: string) => void lines.push(line) });
  try {
    await within(todoInLog(broker.start(), lines), 15_000, () => `a broker of this code did not start within 15 s; its log:\n${lines.join('\n')}`);
  } finally {
    await within(Promise.resolve(broker.stop()), 3_000, () => 'stop').catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The width of the table's first column. */
const WIDTH = 38;

interface Row {
  client: string;
  records: number;
  /** Bytes of value per record. */
  bytes: number;
  seconds: number;
}

const mb = (bytesPerSecond: number) => (bytesPerSecond / 1e6).toFixed(1);

function format({ records, bytes, seconds }: Row): string {
  return `${String(records).padStart(9)} ${seconds.toFixed(2).padStart(8)} ${Math.round(records / seconds).toLocaleString('en-US').padStart(11)} ${mb((records * bytes) / seconds).padStart(7)}`;
}

async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
