// Brokers in this process, each knowing the others: creating replicated topics, followers
// copying leaders, consumers held below the high watermark, and the producer's acks.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { partitionLogBytes } from '#lib/testing/log-files.ts';
import { waitFor, within } from '#lib/testing/wait.ts';
import { WAIT_MS, connectTo, createTopic, layoutOf, partitionLedBy, producerFor, quietly, rawFetch, rawProduce, startCluster, valuesOf, waitForIsr } from './helpers.ts';

const tempDir = useTempDirs('kfs-step07-replication-');
const cleanup = useCleanup();

describe('task 2: consumers read only below the high watermark', () => {
  test('task 2: records only the leader has stay hidden until a follower has them too, from fetches and from lookups by time', async () => {
    // Broker 2 is in the cluster list but never fetches (the test plays it, by hand).
    const dataDir = tempDir();
    const cluster = await startCluster(cleanup, dataDir, 2);
    await cluster.stopBroker(2);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 2 });
    // Two partitions over two brokers: broker 1 leads one of them.
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 2, 1);
    const connection = connectTo(cleanup, cluster, 1);
    for (const batch of [['a', 'b', 'c'], ['d', 'e']]) {
      const written = await rawProduce(connection, 'numtest', p, batch, 1);
      expect(written.error, 'acks=1: the leader alone has the records').toBeUndefined();
    }
    const before = await rawFetch(connection, 'numtest', p, 0);
    expect(valuesOf(before), 'follower 2 has nothing: the high watermark is 0 and a consumer reads nothing').toEqual([]);
    expect(before.highWatermark).toBe(0);
    // Every record is later than time 0: a lookup by time may still find only what a consumer may read.
    const firstAtTimeZero = async () => (await connection.request({ type: 'listOffsets', partitions: [{ topic: 'numtest', partition: p, timestamp: 0 }] })).partitions[0]?.offset;
    expect(await firstAtTimeZero(), 'nothing is below the high watermark yet: a lookup by time finds no record a consumer could read (offset -1)').toBe(-1);
    // Broker 2's fetch from offset 3 says it has offsets 0 to 2: the first batch (followers copy whole batches).
    const asFollower = await rawFetch(connection, 'numtest', p, 3, 2);
    expect(asFollower.error, 'a fetch with replicaId 2 from a replica of the partition is answered').toBeUndefined();
    const after = await rawFetch(connection, 'numtest', p, 0);
    expect(after.highWatermark, 'min(leader 5, follower 3)').toBe(3);
    expect(valuesOf(after), 'a consumer sees the records below the high watermark, no more').toEqual(['a', 'b', 'c']);
    const { partitions } = await connection.request({ type: 'listOffsets', partitions: [{ topic: 'numtest', partition: p, timestamp: -1 }] });
    expect(partitions[0]?.offset, 'a consumer\'s "latest" is the high watermark').toBe(3);
    expect(await firstAtTimeZero(), 'below the high watermark now: a lookup by time finds offset 0').toBe(0);
  });
});

describe('task 2: the high watermark survives a restart', () => {
  test('task 2: a restarted leader shows consumers what it showed before, not its whole log', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2);
    await cluster.stopBroker(2);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 2 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 2, 1);
    const connection = connectTo(cleanup, cluster, 1);
    await rawProduce(connection, 'numtest', p, ['a', 'b', 'c'], 1);
    await rawFetch(connection, 'numtest', p, 3, 2); // broker 2 has the first batch: HW 3
    await rawProduce(connection, 'numtest', p, ['d', 'e'], 1); // on the leader only: LEO 5
    await connection.close();
    await cluster.restart(1);
    const again = connectTo(cleanup, cluster, 1);
    const { partitions } = await again.request({ type: 'listOffsets', partitions: [{ topic: 'numtest', partition: p, timestamp: -1 }] });
    expect(partitions[0]?.offset, 'after the restart the high watermark is still 3 (replication-offset-checkpoint), not the log end 5').toBe(3);
    expect(valuesOf(await rawFetch(again, 'numtest', p, 0))).toEqual(['a', 'b', 'c']);
  });
});

describe('task 1: a replicated topic across the cluster', () => {
  test('task 1: a topic created with RF 3 on 3 brokers has the same layout on every broker, leaders spread over all three', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 6, replicationFactor: 3 });
    const layouts: Array<Array<{ partition: number; leader: number; replicas: number[] }>> = [];
    for (const id of [1, 2, 3]) {
      const { topics } = await connectTo(cleanup, cluster, id).request({ type: 'metadata', topics: ['numtest'] });
      layouts.push(topics[0]!.partitions.map(({ partition, leader, replicas }) => ({ partition, leader, replicas })));
    }
    expect(layouts[1], 'broker 2 was told the layout broker 1 chose (LeaderAndIsr)').toEqual(layouts[0]);
    expect(layouts[2], 'broker 3 too').toEqual(layouts[0]);
    for (const { replicas, leader } of layouts[0]!) {
      expect([...replicas].sort(), 'three copies on three different brokers').toEqual([1, 2, 3]);
      expect(leader, 'the first replica leads').toBe(replicas[0]);
    }
    const leaders = [1, 2, 3].map((id) => layouts[0]!.filter((entry) => entry.leader === id).length);
    expect(leaders, 'six partitions, three brokers: each leads two').toEqual([2, 2, 2]);
  });

  test('task 1: asking for more copies than brokers is INVALID_REPLICATION_FACTOR, and no topic is made', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2);
    await expect(createTopic(cleanup, cluster, 'toomany', { partitions: 1, replicationFactor: 3 })).rejects.toThrow(/INVALID_REPLICATION_FACTOR/);
    const { topics } = await connectTo(cleanup, cluster, 1).request({ type: 'metadata' });
    expect(topics.map((topic) => topic.name)).not.toContain('toomany');
  });
});

describe('task 5: followers copy their leader', () => {
  test('task 5: after acks=1 writes, every follower\'s log is byte for byte the leader\'s, and consumers read it all', async () => {
    const dataDir = tempDir();
    const cluster = await startCluster(cleanup, dataDir, 3);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 3, replicationFactor: 3 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 3, 1);
    const connection = connectTo(cleanup, cluster, 1);
    for (let i = 0; i < 5; i++) await rawProduce(connection, 'numtest', p, [`r${i}a`, `r${i}b`], 1);
    await waitFor(
      () => [2, 3].every((id) => cluster.broker(id).partition('numtest', p)?.logEndOffset === 10),
      WAIT_MS,
      `expected followers 2 and 3 to reach log end offset 10; they are at ${[2, 3].map((id) => cluster.broker(id).partition('numtest', p)?.logEndOffset).join(' and ')}` +
        ' (the fetcher logs why it fails: pass log: console.log in startCluster\'s options to see it)',
    );
    const leaderBytes = partitionLogBytes(path.join(dataDir, 'broker-1'), 'numtest', p);
    for (const id of [2, 3]) {
      expect(partitionLogBytes(path.join(dataDir, `broker-${id}`), 'numtest', p).equals(leaderBytes), `broker ${id}'s copy must be the leader's batches as they are: same offsets, same bytes`).toBe(true);
    }
    await waitFor(async () => (await rawFetch(connection, 'numtest', p, 0)).highWatermark === 10, WAIT_MS, 'expected the high watermark to reach 10 once both followers have fetched');
    expect(valuesOf(await rawFetch(connection, 'numtest', p, 0))).toHaveLength(10);
  });

  test('task 5: idle followers wait in the leader\'s purgatory: a handful of fetches, not a busy loop', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3, { replicaFetchWaitMaxMs: 200 });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 3, replicationFactor: 3 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 3, 1);
    await rawProduce(connectTo(cleanup, cluster, 1), 'numtest', p, ['x'], 1);
    await waitFor(() => [2, 3].every((id) => cluster.broker(id).partition('numtest', p)?.logEndOffset === 1), WAIT_MS, 'expected both followers to copy the record');
    const leader = cluster.broker(1);
    const before = leader.requestCount('fetch');
    // The window measured: nothing is produced while it lasts.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const fetches = leader.requestCount('fetch') - before;
    expect(fetches, `2 followers with replicaFetchWaitMaxMs 200 idle for 600 ms should send about 6 fetches; ${fetches} means the leader answers at once or the follower does not wait`).toBeLessThan(30);
    expect(fetches, 'the followers keep asking').toBeGreaterThan(0);
  });
});

describe('task 6: acks=all', () => {
  test('task 6: acks=all waits for every in-sync replica: it times out while one is away, and succeeds once it is back', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 3, replicationFactor: 3 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 3, 1);
    await cluster.stopBroker(3); // still in the ISR: the lag time is Kafka's 30 s
    const connection = connectTo(cleanup, cluster, 1);
    const one = await rawProduce(connection, 'numtest', p, ['one'], 1);
    expect(one.error, 'acks=1: the leader alone is enough').toBeUndefined();
    const all = await rawProduce(connection, 'numtest', p, ['all'], -1, 300);
    expect(all.error?.code, 'acks=all with follower 3 in the ISR but away: REQUEST_TIMED_OUT after the request\'s timeoutMs').toBe('REQUEST_TIMED_OUT');
    await cluster.restart(3);
    const again = await within(rawProduce(connection, 'numtest', p, ['again'], -1, WAIT_MS), WAIT_MS + 1_000, 'acks=all did not answer');
    expect(again.error, 'follower 3 is back and copies: acks=all succeeds').toBeUndefined();
    expect(again.baseOffset).toBe(2);
  });

  test('task 6: when a follower leaves the ISR after the lag time, acks=all carries on with the others', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3, { replicaLagTimeMaxMs: 300 });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 3, replicationFactor: 3 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 3, 1);
    await cluster.stopBroker(3);
    const connection = connectTo(cleanup, cluster, 1);
    const all = await rawProduce(connection, 'numtest', p, ['all'], -1, WAIT_MS);
    expect(all.error, 'the write waits until broker 3 leaves the ISR, then 1 and 2 are all it needs').toBeUndefined();
    await waitForIsr(cluster, 'numtest', p, 1, [1, 2]);
  });

  test('task 6: with min.insync.replicas 2 and one replica left, acks=all is NOT_ENOUGH_REPLICAS and writes nothing; acks=1 is taken but unreadable until the follower is back', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2, { replicaLagTimeMaxMs: 300 });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 2, 1);
    await cluster.stopBroker(2);
    await waitForIsr(cluster, 'numtest', p, 1, [1]);
    const connection = connectTo(cleanup, cluster, 1);
    const all = await rawProduce(connection, 'numtest', p, ['lost?'], -1);
    expect(all.error?.code).toBe('NOT_ENOUGH_REPLICAS');
    expect(all.error?.message, 'the message says how many are in sync and how many are needed').toMatch(/\b1 in-sync.*min\.insync\.replicas is 2/);
    expect(cluster.broker(1).partition('numtest', p)?.logEndOffset, 'refused before the append: nothing written').toBe(0);
    const one = await rawProduce(connection, 'numtest', p, ['one'], 1);
    expect(one.error, 'acks=1 does not ask for min.insync.replicas').toBeUndefined();
    const hidden = await rawFetch(connection, 'numtest', p, 0);
    expect(
      { highWatermark: hidden.highWatermark, values: valuesOf(hidden) },
      'the ISR [1] is below min.insync.replicas 2: the high watermark stays at 0, so no consumer reads "one" (it is on one broker only)',
    ).toEqual({ highWatermark: 0, values: [] });
    await cluster.restart(2);
    await waitForIsr(cluster, 'numtest', p, 1, [1, 2]);
    await waitFor(async () => valuesOf(await rawFetch(connection, 'numtest', p, 0)).length === 1, WAIT_MS, 'expected "one" readable once broker 2 has copied it and rejoined the ISR');
  });

  test('task 6: a write that waited while the ISR shrank below min.insync.replicas times out uncommitted, and is committed once the follower is back', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2, { replicaLagTimeMaxMs: 300 });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 2, 1);
    await cluster.stopBroker(2); // still in the ISR for a moment: the write is accepted, then waits
    const connection = connectTo(cleanup, cluster, 1);
    const all = await rawProduce(connection, 'numtest', p, ['late'], -1, 1_000);
    await waitForIsr(cluster, 'numtest', p, 1, [1]);
    expect(
      all.error?.code,
      'appended with ISR [1, 2]; broker 2 left before copying it, and with the ISR [1] below min.insync.replicas 2 the high watermark cannot pass the write: it waits until its timeout (Kafka since 3.7; before, the HW moved with the leader alone and the answer was NOT_ENOUGH_REPLICAS_AFTER_APPEND)',
    ).toBe('REQUEST_TIMED_OUT');
    expect(valuesOf(await rawFetch(connection, 'numtest', p, 0)), 'on one copy only: not committed, not readable').toEqual([]);
    await cluster.restart(2);
    await waitFor(async () => valuesOf(await rawFetch(connection, 'numtest', p, 0)).join() === 'late', WAIT_MS, 'expected "late" committed and readable once broker 2 has copied it and rejoined the ISR');
  });
});

describe('task 7: the producer\'s acks', () => {
  test('task 7: by default (acks all) send() waits for the followers; with acks 1 it does not', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 2, replicationFactor: 2 });
    const p = await partitionLedBy(cleanup, cluster, 'numtest', 2, 1);
    await cluster.stopBroker(2); // in the ISR for Kafka's 30 s
    const byDefault = producerFor(cleanup, cluster, { requestTimeoutMs: 300 });
    await expect(byDefault.send('numtest', { value: 'v', partition: p }), 'acks defaults to all: the broker waits for follower 2 and times out').rejects.toThrow(/REQUEST_TIMED_OUT/);
    const leaderOnly = producerFor(cleanup, cluster, { acks: 1 });
    const meta = await leaderOnly.send('numtest', { value: 'w', partition: p });
    expect(meta.offset, 'acks=1: the leader\'s append is the answer').toBe(1);
  });

  test('task 7: acks 0 gets no answer at all, resolves with offset -1, and the records still arrive', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 1);
    const producer = producerFor(cleanup, cluster, { acks: 0 });
    const sends = await Promise.all(['a', 'b', 'c'].map((value) => producer.send('numtest', { value, partition: 0 })));
    expect(sends.map((meta) => meta.offset), 'acks=0: nobody says where the records went').toEqual([-1, -1, -1]);
    await waitFor(() => cluster.broker(1).records('numtest', 0).length === 3, WAIT_MS, 'expected the 3 records in the log');
    // On a raw connection: a produce with acks=0, then a metadata request; the first answer is the metadata's.
    const connection = connectTo(cleanup, cluster, 1);
    const metadata = quietly(connection.request({ type: 'metadata', topics: ['numtest'] }));
    await connection.send({ type: 'produce', acks: 0, timeoutMs: 1_000, batches: [{ topic: 'numtest', partition: 0, records: [{ key: null, value: null, timestamp: Date.now(), headers: [] }] }] });
    await expect(metadata).resolves.toBeDefined();
  });
});
