// Leader epochs: where each leader's writes begin and end, and the truncation of a returning replica.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { LeaderEpochCache } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { partitionLogBytes } from '#lib/testing/log-files.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { WAIT_MS, connectTo, createTopic, rawFetch, rawProduce, startCluster, valuesOf, waitForState } from './helpers.ts';

const tempDir = useTempDirs('kfs-step08-epochs-');
const cleanup = useCleanup();

describe('task 4: where an epoch ends', () => {
  test('task 4: an epoch ends where the next one starts; the latest ends at the log end', () => {
    const cache = new LeaderEpochCache(tempDir());
    cache.assign(0, 0);
    cache.assign(2, 6);
    cache.assign(5, 9);
    expect(cache.endOffsetFor(0, 12), 'epoch 0 ends where epoch 2 starts').toEqual({ epoch: 0, endOffset: 6 });
    expect(cache.endOffsetFor(1, 12), 'epoch 1 never wrote here: the answer is about epoch 0, the largest at or below it').toEqual({ epoch: 0, endOffset: 6 });
    expect(cache.endOffsetFor(2, 12)).toEqual({ epoch: 2, endOffset: 9 });
    expect(cache.endOffsetFor(5, 12), 'the latest epoch ends at the log end').toEqual({ epoch: 5, endOffset: 12 });
  });

  test('task 4: an epoch this log cannot place is answered with -1 and -1', () => {
    const cache = new LeaderEpochCache(tempDir());
    cache.assign(3, 10);
    expect(cache.endOffsetFor(2, 15), 'older than every entry').toEqual({ epoch: -1, endOffset: -1 });
    expect(cache.endOffsetFor(-1, 15)).toEqual({ epoch: -1, endOffset: -1 });
    expect(cache.endOffsetFor(4, 15), 'newer than the latest: no leader of that epoch wrote here').toEqual({ epoch: -1, endOffset: -1 });
  });
});

describe('task 4: a returning replica truncates what the new leader never had', () => {
  test('task 4: the old leader\'s unreplicated tail is cut when it comes back, and its log ends byte for byte the new leader\'s', async () => {
    const dataDir = tempDir();
    const cluster = await startCluster(cleanup, dataDir, 2, { broker: { replicaLagTimeMaxMs: 60_000 } });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 1, replicationFactor: 2 });
    const { leader: first, replicas } = cluster.state('numtest', 0);
    const second = replicas.find((id) => id !== first)!;
    expect((await rawProduce(connectTo(cleanup, cluster, first), 'numtest', 0, ['a', 'b', 'c'], -1)).error, 'on both replicas').toBeUndefined();

    // The second broker stops, but the test heartbeats for it: the controller still counts it alive and in sync.
    const brokerEpoch = cluster.controller.metadata.brokers.get(second)!.epoch;
    await cluster.stopBroker(second);
    const controller = connectTo(cleanup, cluster, 0);
    const keeper = setInterval(() => void controller.request({ type: 'brokerHeartbeat', brokerId: second, brokerEpoch }).catch(() => {}), 50);
    try {
      const tail = await rawProduce(connectTo(cleanup, cluster, first), 'numtest', 0, ['x', 'y'], 1);
      expect(tail.baseOffset, 'acks=1: x and y are on the first broker alone, at offsets 3 and 4').toBe(3);
      await cluster.stopBroker(first);
      await waitForState(cluster, 'numtest', 0, (state) => state.leader === second, `expected broker ${second} elected once broker ${first} is fenced`);
    } finally {
      clearInterval(keeper);
    }

    await cluster.startBroker(second);
    await waitFor(() => cluster.broker(second).partition('numtest', 0)?.isLeader === true, WAIT_MS, `broker ${second} leads in the new epoch`);
    const newer = await rawProduce(connectTo(cleanup, cluster, second), 'numtest', 0, ['p', 'q'], 1);
    expect(newer.baseOffset, 'the new leader writes from its own log end: 3').toBe(3);

    await cluster.startBroker(first);
    await waitFor(
      () => partitionLogBytes(path.join(dataDir, `broker-${first}`), 'numtest', 0).equals(partitionLogBytes(path.join(dataDir, `broker-${second}`), 'numtest', 0)),
      WAIT_MS,
      () => `expected broker ${first}'s log to become broker ${second}'s: x and y cut (the leader never had them), p and q copied; broker ${first} ends at ${cluster.broker(first).partition('numtest', 0)?.logEndOffset}`,
    );
    expect(cluster.broker(first).records('numtest', 0).map((record) => record.value?.toString())).toEqual(['a', 'b', 'c', 'p', 'q']);
    expect(valuesOf(await rawFetch(connectTo(cleanup, cluster, second), 'numtest', 0, 0))).toEqual(['a', 'b', 'c', 'p', 'q']);
  });
});
