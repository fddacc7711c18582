// Apache Kafka's own clients, unchanged, against a cluster of this step's brokers as real
// processes: kcat (librdkafka), kafka-python and KafkaJS know nothing of this workshop. Each test
// says which client failed, what it printed, and where to look: a client that hangs up, or
// retries for ever, met an answer it could not read.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Kafka, logLevel, type Consumer } from '#lib/testing/kafkajs.ts';
import { KafkaAdmin, LOG_OVERHEAD, compressionOf, readBatchHeader } from '../src/index.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { partitionLogBytes } from '#lib/testing/log-files.ts';
import { ClientProcess, kcatBinary, pythonWithKafka, runClient, skipWithout } from '#lib/testing/real-clients.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { numbers, selfCheck } from './helpers.ts';

// npm test skips these where kcat or kafka-python is missing (saying how to install them); a
// student's npm run step 09 runs them, and fails with that advice.
const kcatTest = test.skipIf(skipWithout('kcat'));
const pythonTest = test.skipIf(skipWithout('kafka-python'));

const cleanup = useCleanup();
const tempDir = useTempDirs();
const RECITATION = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'recitation');
const WAIT_MS = 20_000;
/** A cluster of processes and a real client on a busy 2-core machine: far more than they need, never a wait. */
const TEST_MS = 90_000;

async function startWithTopic(topic: string, partitions: number): Promise<ClusterProcess> {
  await selfCheck(tempDir());
  const cluster = await startCluster(srcDirOfTest(import.meta.url), {
    brokers: 3,
    controller: true,
    // Two copies of __consumer_offsets: a test that kills one of the three brokers before its first
    // group starts must still get a coordinator (Kafka's 3 would wait for the dead one, KIP-115).
    controllerOptions: { brokerSessionTimeoutMs: 1_500, offsetsTopicReplicationFactor: 2 },
    brokerOptions: { brokerHeartbeatIntervalMs: 200, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, groupInitialRebalanceDelayMs: 100, groupMinSessionTimeoutMs: 1_000 },
  });
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrapServers }));
  await admin.createTopic(topic, { partitions, replicationFactor: 3 });
  return cluster;
}

/** The codec of each batch in a segment's bytes, in order ('none', 'gzip', …). */
function batchCodecs(log: Buffer): string[] {
  const codecs: string[] = [];
  for (let position = 0; position < log.length; ) {
    const header = readBatchHeader(log, position);
    codecs.push(compressionOf(header.attributes));
    position += LOG_OVERHEAD + header.batchLength;
  }
  return codecs;
}

function kcat(cluster: ClusterProcess, args: string[], input?: string) {
  return runClient(kcatBinary(), ['-b', cluster.bootstrapServers.join(','), ...args], { input, ms: WAIT_MS });
}


describe('kcat (librdkafka)', () => {
  kcatTest('task 7: kcat -L lists the three brokers and each partition with its leader, replicas and ISR', async () => {
    const cluster = await startWithTopic('numtest', 3);
    const { code, stdout, stderr } = await kcat(cluster, ['-L', '-t', 'numtest']);
    expect(code, `kcat -L failed:\n${stderr}`).toBe(0);
    expect(stdout, 'kcat -L should list 3 brokers (Metadata: brokers)').toMatch(/3 brokers:/);
    for (const broker of cluster.brokers) expect(stdout).toContain(`broker ${broker.id} at ${broker.host}:${broker.port}`);
    const partitions = [...stdout.matchAll(/partition (\d+), leader (-?\d+), replicas: ([\d,]+), isrs: ([\d,]+)/g)];
    expect(partitions.map((match) => Number(match[1])).sort(), `numtest's partitions in kcat -L:\n${stdout}`).toEqual([0, 1, 2]);
    for (const [, , leader, replicas, isr] of partitions) {
      expect(replicas!.split(',').sort()).toEqual(['1', '2', '3']);
      expect(replicas!.split(','), 'the leader is one of the replicas').toContain(leader);
      expect(isr!.split(',').length, 'a fresh topic has all three replicas in sync').toBe(3);
    }
  }, TEST_MS);

  kcatTest('task 7: kcat -P writes lines from stdin, and kcat -C -e reads them back in order', async () => {
    const cluster = await startWithTopic('numtest', 1);
    const lines = numbers(0, 50);
    const produced = await kcat(cluster, ['-P', '-t', 'numtest', '-p', '0', '-X', 'acks=all'], lines.join('\n') + '\n');
    expect(produced.code, `kcat -P failed:\n${produced.stderr}`).toBe(0);
    const consumed = await kcat(cluster, ['-C', '-t', 'numtest', '-o', 'beginning', '-e', '-q']);
    expect(consumed.code, `kcat -C -e failed:\n${consumed.stderr}`).toBe(0);
    expect(consumed.stdout.split('\n').filter(Boolean)).toEqual(lines);
  }, TEST_MS);

  kcatTest('task 7: kcat -z gzip sends compressed batches, and every replica stores them compressed, as they came', async () => {
    const cluster = await startWithTopic('numtest', 1);
    // Long, repetitive lines: librdkafka sends a batch uncompressed when gzip would not make it
    // smaller, which a batch of one short line (a busy machine's first batch) is not.
    const lines = numbers(0, 500).map((n) => `${n} ${'k'.repeat(200)}`);
    const produced = await kcat(cluster, ['-P', '-t', 'numtest', '-p', '0', '-z', 'gzip', '-X', 'acks=all'], lines.join('\n') + '\n');
    expect(produced.code, `kcat -P -z gzip failed:\n${produced.stderr}`).toBe(0);
    for (const broker of cluster.brokers) {
      const codecs = batchCodecs(partitionLogBytes(broker.dataDir, 'numtest', 0));
      expect(
        [...new Set(codecs)],
        `broker ${broker.id}'s batches of numtest-0, by codec. librdkafka (kcat's) compresses only when the broker advertises Produce from version 0 (librdkafka #4956): advertise it, as Kafka 4 does, and refuse versions 0 to 2`,
      ).toEqual(['gzip']);
    }
    const consumed = await kcat(cluster, ['-C', '-t', 'numtest', '-o', 'beginning', '-e', '-q']);
    expect(consumed.code, `kcat -C -e failed:\n${consumed.stderr}`).toBe(0);
    expect(consumed.stdout.split('\n').filter(Boolean)).toEqual(lines);
  }, TEST_MS);

  kcatTest('task 7: two kcat -G members share a group: the partitions are split between them, and every record is read once', async () => {
    const cluster = await startWithTopic('numtest', 4);
    const member = () => cleanup(new ClientProcess(kcatBinary(), ['-b', cluster.bootstrapServers.join(','), '-G', 'kcat-group', '-u', '-o', 'beginning', '-X', 'session.timeout.ms=6000', 'numtest']));
    const members = [member(), member()];
    const assigned = (client: ClientProcess) => /assigned: .*numtest \[\d\]/.test(client.stderr.split('rebalanced').at(-1) ?? '');
    await waitFor(() => members.every(assigned), WAIT_MS, () => `both kcat -G members should get partitions.\nmember 1:\n${members[0]!.stderr}\nmember 2:\n${members[1]!.stderr}`);
    const lines = numbers(0, 40);
    // Keyed (-K), so that murmur2 spreads them over the partitions: librdkafka's sticky
    // partitioner would put a burst of unkeyed records all in one.
    const keyed = lines.map((line, i) => `key-${i}|${line}`);
    const produced = await kcat(cluster, ['-P', '-t', 'numtest', '-K', '|', '-X', 'acks=all'], keyed.join('\n') + '\n');
    expect(produced.code, produced.stderr).toBe(0);
    const read = () => [...members[0]!.lines, ...members[1]!.lines];
    await waitFor(() => read().length >= lines.length, WAIT_MS, () => `the group read ${read().length} of ${lines.length} records`);
    expect(read().sort()).toEqual([...lines].sort());
    expect(members.every((client) => client.lines.length > 0), 'each member reads its own partitions').toBe(true);
  }, TEST_MS);
});

describe('kafka-python', () => {
  const python = (script: string, args: string[]) => runClient(pythonWithKafka(), [path.join(RECITATION, script), ...args], { ms: 40_000 });

  pythonTest('task 7: the recitation producer and consumer run unchanged; a second run of the consumer resumes after its commit', async () => {
    const cluster = await startWithTopic('numtest', 3);
    const bootstrap = ['--bootstrap', cluster.bootstrapServers[0]!];
    const first = await python('producer.py', [...bootstrap, '--count', '10', '--interval', '0']);
    expect(first.code, `producer.py failed:\n${first.stderr}`).toBe(0);
    // Each run stops once it has read what it should; --idle-ms only ends a run that reads too little.
    const read = await python('consumer.py', [...bootstrap, '--group', 'numtest-group', '--max-records', '10', '--idle-ms', '20000']);
    expect(read.code, `consumer.py failed:\n${read.stderr}`).toBe(0);
    expect(read.stdout.split('\n').filter(Boolean).sort()).toEqual(numbers(0, 10).sort());
    const more = await python('producer.py', [...bootstrap, '--first', '10', '--count', '5', '--interval', '0']);
    expect(more.code, more.stderr).toBe(0);
    const again = await python('consumer.py', [...bootstrap, '--group', 'numtest-group', '--max-records', '5', '--idle-ms', '20000']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter(Boolean).sort(), 'the second run should print only what came after the first run\'s commits').toEqual(numbers(10, 5).sort());
  }, TEST_MS);
});

describe('KafkaJS', () => {
  function kafkaOf(cluster: ClusterProcess): Kafka {
    return new Kafka({ clientId: 'kafkajs-test', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  }

  test('task 7: KafkaJS createTopics with validateOnly checks each topic and creates none', async () => {
    const cluster = await startWithTopic('numtest', 1);
    const admin = kafkaOf(cluster).admin();
    await admin.connect();
    cleanup({ stop: () => admin.disconnect() });
    // waitForLeaders: false, or KafkaJS would wait for the leaders of a topic that is not to exist.
    const validate = (topic: string, replicationFactor: number) => admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic, numPartitions: 3, replicationFactor }] });
    expect(await validate('checked', 3), 'a topic that could be created: no error').toBe(true);
    expect(await admin.listTopics(), 'validate_only creates nothing').not.toContain('checked');
    const refused = await validate('too-many-copies', 4).then(
      () => 'accepted',
      (error: { errors?: Array<{ type: string }> }) => error.errors?.map((e) => e.type).join(',') ?? String(error),
    );
    expect(refused, 'three brokers cannot hold four copies: validate_only says so as creating would').toBe('INVALID_REPLICATION_FACTOR');
    expect(await admin.createTopics({ topics: [{ topic: 'checked', numPartitions: 3, replicationFactor: 3 }] }), 'and the same topic is then created for real').toBe(true);
  }, TEST_MS);

  test('task 7: KafkaJS produces with acks=-1 and a group of two consumers splits the partitions, then hands them over when one leaves', async () => {
    const cluster = await startWithTopic('numtest', 4);
    const kafka = kafkaOf(cluster);
    const producer = kafka.producer();
    await producer.connect();
    cleanup({ stop: () => producer.disconnect() });
    const received: string[] = [];
    const assignments = new Map<Consumer, number[]>();
    const member = async () => {
      const consumer = kafka.consumer({ groupId: 'kafkajs-group', sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 500 });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => assignments.set(consumer, payload.memberAssignment['numtest'] ?? []));
      await consumer.connect();
      cleanup({ stop: () => consumer.disconnect() });
      await consumer.subscribe({ topic: 'numtest', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value!.toString()) });
      return consumer;
    };
    const [first, second] = [await member(), await member()];
    const split = () => assignments.get(first)?.length && assignments.get(second)?.length && assignments.get(first)!.length + assignments.get(second)!.length === 4;
    await waitFor(() => !!split(), WAIT_MS, () => `the two KafkaJS members should share numtest's 4 partitions; assignments: ${JSON.stringify([...assignments.values()])}`);
    expect([...assignments.get(first)!, ...assignments.get(second)!].sort()).toEqual([0, 1, 2, 3]);

    const values = numbers(0, 40);
    await producer.send({ topic: 'numtest', acks: -1, messages: values.map((value) => ({ value })) });
    await waitFor(() => received.length >= values.length, WAIT_MS, () => `the group received ${received.length} of ${values.length} records`);
    expect([...received].sort()).toEqual([...values].sort());

    await second.disconnect();
    await waitFor(() => assignments.get(first)?.length === 4, WAIT_MS, () => `after one member left, the other should own all 4 partitions; it owns ${JSON.stringify(assignments.get(first))}`);
    const later = numbers(40, 10);
    await producer.send({ topic: 'numtest', acks: -1, messages: later.map((value) => ({ value })) });
    await waitFor(() => later.every((value) => received.includes(value)), WAIT_MS, () => `the remaining member should read what came after the handover; it read ${received.length - values.length} of ${later.length}`);
  }, TEST_MS);
});
