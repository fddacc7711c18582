// Clients that follow the cluster: a leader goes, the producer and a consumer group carry on.
import { describe, expect, test } from 'vitest';
import { KafkaConsumer } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { connectTo, createTopic, producerFor, startCluster, waitForState } from './helpers.ts';

const tempDir = useTempDirs('kfs-step08-clients-');
const cleanup = useCleanup();

describe('task 6: clients follow the leaders', () => {
  test('task 6: a producer (acks=all) and a consumer group run through the loss of the group\'s coordinator and the partitions it led: every acknowledged record is read', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3, { broker: { replicaLagTimeMaxMs: 1_000 } });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const producer = producerFor(cleanup, cluster, { deliveryTimeoutMs: 15_000 });
    const consumer = cleanup(
      new KafkaConsumer<string | null, string | null>('numtest', {
        bootstrapServers: cluster.bootstrap,
        groupId: 'readers',
        autoOffsetReset: 'earliest',
        heartbeatIntervalMs: 100,
        sessionTimeoutMs: 3_000,
        fetchMaxWaitMs: 100,
        valueDeserializer: (data) => data?.toString() ?? null,
      }),
    );
    const seen = new Set<string>();
    let failure: Error | null = null;
    void (async () => {
      for await (const record of consumer) if (record.value) seen.add(record.value);
    })().catch((error: Error) => (failure = error));

    const acked: string[] = [];
    const refused: string[] = [];
    const send = async (value: string, partition: number) => {
      try {
        await producer.send('numtest', { value, partition });
        acked.push(value);
      } catch (error) {
        refused.push(`${value}: ${(error as Error).message}`);
      }
    };
    for (let i = 0; i < 10; i++) await send(`before-${i}`, i % 2);
    expect(refused, 'with every broker up, every send succeeds').toEqual([]);
    // The broker to lose: the group's coordinator (the leader of its __consumer_offsets partition),
    // so that the coordinator moves too, and whatever partitions it leads.
    const { nodeId: victim } = await connectTo(cleanup, cluster, 1).request({ type: 'findCoordinator', key: 'readers' });
    await cluster.stopBroker(victim);
    // These are sent while partition 0 has no leader yet: the producer retries until it has one.
    await Promise.all(Array.from({ length: 10 }, (_, i) => send(`after-${i}`, i % 2)));
    expect(refused, 'the producer retries (task 6) until the partitions have new leaders (task 2): no send may fail').toEqual([]);
    for (const p of [0, 1]) await waitForState(cluster, 'numtest', p, (state) => state.leader !== victim && state.leader !== -1, `a leader other than broker ${victim} for numtest-${p}`);

    await waitFor(
      () => {
        if (failure) throw failure;
        return acked.every((value) => seen.has(value));
      },
      15_000,
      () => `the group read ${seen.size} distinct records; never read: ${acked.filter((value) => !seen.has(value)).join(', ')}`,
    );
    expect(acked).toHaveLength(20);
  }, 40_000);

  test('task 6: an error no retry can fix fails at once; with retries 0 a lost leader fails after one attempt', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2, { broker: { messageMaxBytes: 100 } });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 1 });
    const producer = producerFor(cleanup, cluster, { deliveryTimeoutMs: 60_000 });
    const outcome = (sending: Promise<unknown>) => sending.then(() => 'sent', (error: Error) => error.message);
    const tooBig = await outcome(producer.send('numtest', { value: 'x'.repeat(1_000), partition: 0 }));
    expect(tooBig, 'MESSAGE_TOO_LARGE would fail again the same way: no retry, the error as the broker gave it').toMatch(/^MESSAGE_TOO_LARGE: (?!.*gave up)/);
    const p = [0, 1].find((partition) => cluster.state('numtest', partition).leader === 2)!;
    const once = producerFor(cleanup, cluster, { retries: 0, deliveryTimeoutMs: 60_000 });
    expect(await outcome(once.send('numtest', { value: 'first', partition: p }))).toBe('sent');
    await cluster.stopBroker(2);
    expect(await outcome(once.send('numtest', { value: 'lost', partition: p })), 'retries 0: the first failure is final').toMatch(/gave up after 1 attempt\b/);
  });
});
