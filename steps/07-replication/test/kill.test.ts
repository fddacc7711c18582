// Real broker processes, one killed with SIGKILL: nothing it could flush or say goodbye with.
import { describe, expect, test } from 'vitest';
import { Connection, KafkaAdmin } from '../src/index.ts';
import { startCluster } from '#lib/testing/cluster-process.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { srcDirOfTest } from '#lib/testing/target.ts';
import { partitionLogBytes } from '#lib/testing/log-files.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { rawProduce } from './helpers.ts';

const cleanup = useCleanup();
const WAIT_MS = 15_000;

/** A partition's leader and ISR, as broker `port` answers a metadata request. */
async function layout(port: number, topic: string, partition: number) {
  const connection = new Connection('127.0.0.1', port);
  try {
    const { topics } = await connection.request({ type: 'metadata', topics: [topic] });
    return topics[0]!.partitions[partition]!;
  } finally {
    await connection.close();
  }
}

describe('task 6: a follower killed with SIGKILL', () => {
  test('task 6: a SIGKILLed follower leaves the ISR after the lag time and acks=all carries on; restarted, it catches up, rejoins, and its log is byte for byte the leader\'s', async () => {
    const cluster = await startCluster(srcDirOfTest(import.meta.url), {
      brokers: 3,
      brokerOptions: { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100 },
    });
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrapServers }));
    await admin.createTopic('numtest', { partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const { leader, replicas } = await layout(cluster.brokers[0]!.port, 'numtest', 0);
    const leaderPort = cluster.broker(leader).port;
    const toLeader = cleanup(new Connection('127.0.0.1', leaderPort));
    const send = async (value: string) => expect((await rawProduce(toLeader, 'numtest', 0, [value], -1, WAIT_MS)).error, `acks=all for "${value}"`).toBeUndefined();
    for (let i = 0; i < 20; i++) await send(`before-${i}`);

    const victim = replicas.find((id) => id !== leader)!;
    const exit = await cluster.kill(victim);
    expect(exit.signal, `broker ${victim} should have died of SIGKILL`).toBe('SIGKILL');

    // acks=all waits until the dead follower leaves the ISR (about 1 to 1.5 s), then two in sync are enough.
    for (let i = 0; i < 10; i++) await send(`after-${i}`);
    const shrunk = await layout(leaderPort, 'numtest', 0);
    expect(shrunk.isr, `broker ${victim} was killed: it must have left the ISR`).not.toContain(victim);
    expect(shrunk.isr).toHaveLength(2);

    await cluster.restart(victim);
    await waitFor(async () => (await layout(leaderPort, 'numtest', 0)).isr.includes(victim), WAIT_MS, `expected broker ${victim} back in the ISR once it has caught up`);
    const leaderDir = cluster.broker(leader).dataDir;
    const victimDir = cluster.broker(victim).dataDir;
    await waitFor(() => partitionLogBytes(victimDir, 'numtest', 0).equals(partitionLogBytes(leaderDir, 'numtest', 0)), WAIT_MS, `expected broker ${victim}'s copy of numtest-0 to become the leader's, byte for byte (${partitionLogBytes(victimDir, 'numtest', 0).length} vs ${partitionLogBytes(leaderDir, 'numtest', 0).length} bytes)`);
  }, 60_000);
});
