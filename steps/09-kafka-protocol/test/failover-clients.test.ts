// Apache Kafka's own clients through a failover: the leader of their partition is killed with
// SIGKILL while they write, the controller elects another in-sync replica, and the clients, which
// know nothing of this workshop, find the new leader in fresh metadata and carry on. Every record
// they were told was written is there afterwards, in order.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Kafka, logLevel } from '#lib/testing/kafkajs.ts';
import { Connection, KafkaAdmin } from '../src/index.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
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
const WAIT_MS = 30_000;
const TEST_MS = 120_000;

/** A cluster with numtest (1 partition, 3 replicas, min ISR 2), and who leads it, as the controller says. */
async function clusterWithNumtest(): Promise<{ cluster: ClusterProcess; leader: () => Promise<number> }> {
  await selfCheck(tempDir());
  const cluster = await startCluster(srcDirOfTest(import.meta.url), {
    brokers: 3,
    controller: true,
    // Two copies of __consumer_offsets: a group that starts after one of the three brokers was killed
    // must still get a coordinator (Kafka's 3 would wait for the dead one, KIP-115).
    controllerOptions: { brokerSessionTimeoutMs: 1_500, offsetsTopicReplicationFactor: 2 },
    brokerOptions: { brokerHeartbeatIntervalMs: 200, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaLagTimeMaxMs: 5_000, groupInitialRebalanceDelayMs: 100 },
  });
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrapServers }));
  await admin.createTopic('numtest', { partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  const controller = cleanup(new Connection('127.0.0.1', cluster.controller().port));
  const leader = async () => {
    const { topics } = await controller.request({ type: 'metadata', topics: ['numtest'] });
    return topics.find((topic) => topic.name === 'numtest')?.partitions[0]?.leader ?? -1;
  };
  return { cluster, leader };
}

/** Everything in numtest, read back with kcat from the beginning. */
async function readBack(cluster: ClusterProcess, alive: number[]): Promise<string[]> {
  const brokers = cluster.brokers.filter(({ id }) => alive.includes(id)).map(({ host, port }) => `${host}:${port}`);
  const { code, stdout, stderr } = await runClient(kcatBinary(), ['-b', brokers.join(','), '-C', '-t', 'numtest', '-o', 'beginning', '-e', '-q'], { ms: WAIT_MS });
  expect(code, `kcat -C after the failover failed:\n${stderr}`).toBe(0);
  return stdout.split('\n').filter(Boolean);
}

describe('real clients through a failover', () => {
  kcatTest('task 7: kcat -P keeps writing while the leader is killed with SIGKILL, and loses nothing', async () => {
    const { cluster, leader } = await clusterWithNumtest();
    const first = await leader();
    const writer = cleanup(new ClientProcess(kcatBinary(), ['-b', cluster.bootstrapServers.join(','), '-P', '-t', 'numtest', '-p', '0', '-X', 'acks=all', '-X', 'linger.ms=0'], { keepStdinOpen: true }));
    const lines = numbers(0, 40);
    for (const line of lines.slice(0, 20)) writer.write(`${line}\n`);
    await cluster.kill(first);
    await waitFor(async () => ![first, -1].includes(await leader()), WAIT_MS, 'the controller should elect a new leader from the ISR');
    for (const line of lines.slice(20)) writer.write(`${line}\n`);
    const { code, stderr } = await writer.finish(WAIT_MS);
    expect(code, `kcat -P should retry on the new leader by itself and exit 0:\n${stderr}`).toBe(0);
    const written = await readBack(cluster, cluster.brokers.map(({ id }) => id).filter((id) => id !== first));
    // A record in flight when the leader died may be written twice by the retry: at least once, in order.
    expect(written.filter((line, i) => written.indexOf(line) === i), 'every line, in order').toEqual(lines);
  }, TEST_MS);

  pythonTest('task 7: the recitation producer (kafka-python) keeps sending through the kill of its leader', async () => {
    const { cluster, leader } = await clusterWithNumtest();
    const first = await leader();
    const bootstrap = cluster.brokers.find(({ id }) => id !== first)!;
    const producer = cleanup(new ClientProcess(pythonWithKafka(), [path.join(RECITATION, 'producer.py'), '--bootstrap', `${bootstrap.host}:${bootstrap.port}`, '--count', '30', '--interval', '0.1']));
    await waitFor(() => producer.lines.length >= 5, WAIT_MS, () => `producer.py should have sent 5 numbers before the kill:\n${producer.stderr}`);
    await cluster.kill(first);
    const { code, stderr } = await producer.finish(WAIT_MS * 2);
    expect(code, `producer.py should ride out the failover (it retries, as Kafka's clients do):\n${stderr}`).toBe(0);
    const written = await readBack(cluster, cluster.brokers.map(({ id }) => id).filter((id) => id !== first));
    expect(written.filter((line, i) => written.indexOf(line) === i), 'every number, in order (a retry may write one twice)').toEqual(numbers(0, 30));
  }, TEST_MS);
  test('task 7: a KafkaJS producer keeps every acknowledged record through a leader killed with SIGKILL', async () => {
    const { cluster, leader } = await clusterWithNumtest();
    const kafka = new Kafka({ clientId: 'kafkajs-test', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const producer = kafka.producer();
    await producer.connect();
    cleanup({ stop: () => producer.disconnect() });
    const acked: string[] = [];
    const send = async (value: string) => {
      await producer.send({ topic: 'numtest', acks: -1, messages: [{ value }] });
      acked.push(value);
    };
    for (const value of numbers(0, 10)) await send(value);
    await cluster.kill(await leader());
    // KafkaJS refreshes its metadata and retries on its own; every send below must succeed.
    for (const value of numbers(10, 10)) await send(value);
    const consumer = kafka.consumer({ groupId: 'after-kill', maxWaitTimeInMs: 500 });
    const read: string[] = [];
    await consumer.connect();
    cleanup({ stop: () => consumer.disconnect() });
    await consumer.subscribe({ topic: 'numtest', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void read.push(message.value!.toString()) });
    await waitFor(() => read.length >= acked.length, WAIT_MS, () => `read back ${read.length} of ${acked.length} acknowledged records`);
    expect(read).toEqual(acked);
  }, TEST_MS);
});
