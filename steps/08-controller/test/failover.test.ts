// Real processes: a controller and three brokers, killed with SIGKILL and paused with SIGSTOP.
import { describe, expect, test } from 'vitest';
import { Connection, KafkaAdmin, KafkaConsumer } from '../src/index.ts';
import type { MetadataResponse } from '../src/index.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { rawProduce } from './helpers.ts';

const cleanup = useCleanup();
const WAIT_MS = 15_000;
const SESSION_MS = 1_000;

function start(): Promise<ClusterProcess> {
  return startCluster(srcDirOfTest(import.meta.url), {
    brokers: 3,
    controller: true,
    controllerOptions: { brokerSessionTimeoutMs: SESSION_MS },
    brokerOptions: { brokerHeartbeatIntervalMs: 100, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaLagTimeMaxMs: 2_000 },
  });
}

/** What the controller says of numtest-0. */
async function partitionZero(cluster: ClusterProcess): Promise<MetadataResponse['topics'][number]['partitions'][number]> {
  const connection = new Connection('127.0.0.1', cluster.controller().port);
  try {
    const { topics } = await connection.request({ type: 'metadata' });
    const found = topics.find((topic) => topic.name === 'numtest')?.partitions[0];
    if (!found) throw new Error('the controller knows no numtest-0');
    return found;
  } finally {
    await connection.close();
  }
}

/** One record to numtest-0 over a raw connection. */
function produce(connection: Connection, value: string, acks = -1, timeoutMs = 5_000) {
  return rawProduce(connection, 'numtest', 0, [value], acks, timeoutMs);
}

async function setUp(cluster: ClusterProcess) {
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrapServers }));
  await admin.createTopic('numtest', { partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
  const before = await partitionZero(cluster);
  return { before, toLeader: cleanup(new Connection('127.0.0.1', cluster.broker(before.leader).port)) };
}

describe('failover', () => {
  test('task 4: the leader killed with SIGKILL: a new leader from the ISR within the session timeout, in a higher epoch, with every acknowledged record at its offset', async () => {
    const cluster = await start();
    const { before, toLeader } = await setUp(cluster);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await produce(toLeader, `v${i}`);
      expect(result.error, `acks=all for v${i}`).toBeUndefined();
      expect(result.baseOffset).toBe(i);
      acked.push(`v${i}`);
    }
    const consumer = cleanup(new KafkaConsumer('numtest', { bootstrapServers: cluster.bootstrapServers, defaultApiTimeoutMs: WAIT_MS }));
    const firstAtTimeZero = () => consumer.offsetsForTimes([{ topic: 'numtest', partition: 0, timestamp: 0 }]).then(([answer]) => answer?.found?.offset, (error: Error) => error.message);
    expect(await firstAtTimeZero(), 'every record is later than time 0: offset 0').toBe(0);
    await cluster.kill(before.leader);
    await waitFor(async () => ![before.leader, -1].includes((await partitionZero(cluster)).leader), WAIT_MS, `expected a new leader once broker ${before.leader} is fenced (session ${SESSION_MS} ms)`);
    // The consumer still knows the dead leader: its first ask fails, and it asks again with fresh metadata.
    expect(await firstAtTimeZero(), 'offsetsForTimes after the failover, with the dead leader in its metadata: offset 0, from the new leader').toBe(0);
    const after = await partitionZero(cluster);
    expect(before.isr, 'the new leader was in the ISR').toContain(after.leader);
    expect(after.leaderEpoch ?? 0, 'a new leader, a higher epoch').toBeGreaterThan(before.leaderEpoch ?? 0);
    const toNew = cleanup(new Connection('127.0.0.1', cluster.broker(after.leader).port));
    const read = async () => {
      const { partitions } = await toNew.request({ type: 'fetch', maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, partitions: [{ topic: 'numtest', partition: 0, offset: 0 }] });
      return (partitions[0]?.records ?? []).map((record) => `${record.offset}:${Buffer.from(record.value ?? '', 'base64').toString()}`);
    };
    await waitFor(async () => (await read()).length >= 20, WAIT_MS, 'expected the 20 acknowledged records on the new leader');
    expect((await read()).slice(0, 20), 'every acknowledged record, at the offset it was acknowledged with').toEqual(acked.map((value, i) => `${i}:${value}`));
  }, 60_000);

  test('task 2: the controller killed and restarted keeps its metadata, and still fences a broker that dies', async () => {
    const cluster = await start();
    const { before, toLeader } = await setUp(cluster);
    await cluster.killController();
    expect((await produce(toLeader, 'while the controller is down')).error, 'leaders keep serving while the controller is down').toBeUndefined();
    await cluster.restartController();
    const replayed = await partitionZero(cluster);
    expect({ leader: replayed.leader, replicas: replayed.replicas }, 'replayed from __cluster_metadata').toEqual({ leader: before.leader, replicas: before.replicas });
    await cluster.kill(before.leader);
    await waitFor(async () => ![before.leader, -1].includes((await partitionZero(cluster)).leader), WAIT_MS, `expected the restarted controller to fence broker ${before.leader} and elect another`);
  }, 60_000);
});

describe('task 3: zombies', () => {
  test('task 3: a leader paused with SIGSTOP while another is elected cannot get a write acknowledged when it wakes', async () => {
    const cluster = await start();
    const { before, toLeader } = await setUp(cluster);
    expect((await produce(toLeader, 'before')).error).toBeUndefined();
    await cluster.pause(before.leader);
    await waitFor(async () => ![before.leader, -1].includes((await partitionZero(cluster)).leader), WAIT_MS, `expected a new leader while broker ${before.leader} is paused`);
    // Sent to the paused old leader: it reads it when it wakes, still believing it leads.
    const answer = produce(toLeader, 'zombie', -1, 3_000);
    await cluster.resume(before.leader);
    const result = await answer;
    expect(result.error?.code, 'the zombie must not acknowledge an acks=all write: its followers have left it').toMatch(/REQUEST_TIMED_OUT|NOT_LEADER_OR_FOLLOWER|NOT_ENOUGH_REPLICAS|FENCED_LEADER_EPOCH/);
    const now = await partitionZero(cluster);
    const toNew = cleanup(new Connection('127.0.0.1', cluster.broker(now.leader).port));
    const { partitions } = await toNew.request({ type: 'fetch', maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, partitions: [{ topic: 'numtest', partition: 0, offset: 0 }] });
    expect((partitions[0]?.records ?? []).map((record) => Buffer.from(record.value ?? '', 'base64').toString()), 'the new leader never had the zombie\'s write').not.toContain('zombie');
  }, 60_000);
});
