// Finding records by time with Apache Kafka's own clients, against a cluster of this step's
// brokers as processes: kcat's -o s@<ms>, KafkaJS's fetchTopicOffsetsByTimestamp and
// kafka-python's offsets_for_times all send ListOffsets v1 with a timestamp, which the broker
// answers from each segment's time index (step 04) with the first record at or after it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Kafka, logLevel } from '#lib/testing/kafkajs.ts';
import { KafkaAdmin } from '../src/index.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { kcatBinary, pythonWithKafka, runClient, skipWithout } from '#lib/testing/real-clients.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { selfCheck } from './helpers.ts';

// npm test skips these where kcat or kafka-python is missing (saying how to install them); a
// student's npm run step 09 runs them, and fails with that advice.
const kcatTest = test.skipIf(skipWithout('kcat'));
const pythonTest = test.skipIf(skipWithout('kafka-python'));

const cleanup = useCleanup();
const tempDir = useTempDirs();
const RECITATION = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'recitation');
const WAIT_MS = 20_000;
const TEST_MS = 90_000;

/**
 * Records a minute old, stamped by their producer (KafkaJS) at base + these ms; partition 0's
 * timestamps go back and forth, as producers' clocks do.
 */
const STAMPS = [
  [0, 10, 30, 20, 40],
  [5, 15],
];
/** The time the tests ask for: base + 12. */
const ASKED = 12;
/** What is at or after it, by the first offset at or after base + 12 in each partition. */
const EXPECTED = ['p0 at +30', 'p0 at +20', 'p0 at +40', 'p1 at +15'].sort();

async function clusterWithRecords(): Promise<{ cluster: ClusterProcess; kafka: Kafka; base: number }> {
  await selfCheck(tempDir());
  const cluster = await startCluster(srcDirOfTest(import.meta.url), {
    brokers: 3,
    controller: true,
    controllerOptions: { brokerSessionTimeoutMs: 1_500 },
    brokerOptions: { brokerHeartbeatIntervalMs: 200, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100 },
  });
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrapServers }));
  await admin.createTopic('timed', { partitions: 2, replicationFactor: 3 });
  const kafka = new Kafka({ clientId: 'by-time-test', brokers: cluster.bootstrapServers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  const producer = kafka.producer();
  await producer.connect();
  cleanup({ stop: () => producer.disconnect() });
  const base = Date.now() - 60_000;
  for (const [partition, stamps] of STAMPS.entries()) {
    const messages = stamps.map((stamp) => ({ value: `p${partition} at +${stamp}`, timestamp: String(base + stamp) }));
    await producer.send({ topic: 'timed', acks: -1, messages: messages.map((message) => ({ ...message, partition })) });
  }
  return { cluster, kafka, base };
}

describe('finding records by time', () => {
  kcatTest('task 7: kcat -o s@<ms> starts each partition at its first record at or after that time', async () => {
    const { cluster, base } = await clusterWithRecords();
    const { code, stdout, stderr } = await runClient(kcatBinary(), ['-b', cluster.bootstrapServers.join(','), '-C', '-t', 'timed', '-o', `s@${base + ASKED}`, '-e', '-q'], { ms: WAIT_MS });
    expect(code, `kcat -o s@<ms> failed: it sends ListOffsets v1 with that timestamp:\n${stderr}`).toBe(0);
    expect(stdout.split('\n').filter(Boolean).sort(), `records at base + ${JSON.stringify(STAMPS)} per partition, kcat -o s@(base + ${ASKED}): each partition from its FIRST offset at or after that time`).toEqual(EXPECTED);
  }, TEST_MS);

  test('task 7: KafkaJS fetchTopicOffsetsByTimestamp gives each partition\'s first offset at or after a time', async () => {
    const { kafka, base } = await clusterWithRecords();
    const admin = kafka.admin();
    await admin.connect();
    cleanup({ stop: () => admin.disconnect() });
    const at = (ms: number) => admin.fetchTopicOffsetsByTimestamp('timed', base + ms).then((answer) => answer.sort((a, b) => a.partition - b.partition).map(({ offset }) => Number(offset)));
    expect(await at(ASKED), `partition 0 at base + ${STAMPS[0]}: offset 2 (+30) is the first at or after +${ASKED}; partition 1 at base + ${STAMPS[1]}: offset 1 (+15)`).toEqual([2, 1]);
    expect(await at(-60_000), 'a time before every record: each partition\'s first offset').toEqual([0, 0]);
    // The broker answers offset -1 for "no record that late"; KafkaJS puts the partition's end there itself.
    expect(await at(41), 'a time after every record: KafkaJS shows each partition\'s end').toEqual([5, 2]);
  }, TEST_MS);

  pythonTest('task 7: the recitation\'s since.py (kafka-python\'s offsets_for_times) replays from a time', async () => {
    const { cluster, base } = await clusterWithRecords();
    const { code, stdout, stderr } = await runClient(pythonWithKafka(), [path.join(RECITATION, 'since.py'), '--bootstrap', cluster.bootstrapServers[0]!, '--topic', 'timed', '--since-ms', String(base + ASKED)], { ms: WAIT_MS * 2 });
    expect(code, `since.py failed:\n${stderr}`).toBe(0);
    expect(stdout.split('\n').filter(Boolean).sort(), `records at base + ${JSON.stringify(STAMPS)} per partition, since base + ${ASKED}`).toEqual(EXPECTED);
  }, TEST_MS);
});
