// Back into the ISR after an election: reaching the high watermark is not enough (KAFKA-7128).
//
// A new leader learns the high watermark from the old one a fetch late. If a follower could rejoin
// the ISR as soon as it reached that stale high watermark, it could be elected next, without the
// records the old leader had already committed with acks=all. These tests build that history on
// purpose: a leader whose high watermark lags, and a follower that reaches it.
import net from 'node:net';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { HighWatermarkCheckpoint, Log, Partition } from '../src/index.ts';
import type { Connection, LogRecord } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { WAIT_MS, connectTo, createTopic, rawProduce, startCluster, waitForState } from './helpers.ts';

const tempDir = useTempDirs('kfs-step08-rejoin-');
const cleanup = useCleanup();

const records = (count: number): LogRecord[] => Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: 1_700_000_000_000 + i, headers: [] }));

describe('task 4: back into the ISR', () => {
  test('task 4: a follower that reaches a new leader\'s high watermark but not where its epoch began stays out of the ISR', () => {
    // Broker 2 leads epoch 1. Broker 1, the old leader, wrote offsets 0 to 73 in epoch 0 and had
    // them all committed (broker 2 has them too); broker 2 heard of the high watermark only up to 10.
    const log = Log.open(tempDir(), 'isr', 0);
    log.append(records(10), 0);
    log.append(records(64), 0);
    const proposals: number[][] = [];
    const partition = new Partition({
      topic: 'isr',
      partition: 0,
      log,
      localId: 2,
      layout: { partition: 0, leader: 2, replicas: [1, 2, 3], isr: [2], leaderEpoch: 1, partitionEpoch: 4 },
      highWatermark: 10,
      minInsyncReplicas: 2,
      proposeIsr: (_partition, isr) => proposals.push(isr),
      now: () => 1_000_000,
    });
    expect(partition.highWatermark, 'broker 2 starts from the high watermark it knew: 10').toBe(10);

    partition.updateFollowerFetch(3, 10);
    expect(
      proposals,
      'broker 3 fetches from 10: it reached the high watermark, but lacks offsets 10 to 73, which broker 1 committed before it died. ' +
        'In the ISR it could be elected next, and they would be gone: it must also reach 74, where leader epoch 1 began (leaderEpochStartOffset)',
    ).toEqual([]);

    partition.updateFollowerFetch(3, 74);
    expect(proposals, 'at 74 broker 3 has everything broker 2 had when it was elected: now it is in sync').toEqual([[2, 3]]);
  });

  test('task 4: after a failover, a follower that lagged rejoins only with every record the old leader committed, not at the new leader\'s stale high watermark', async () => {
    const dataDir = tempDir();
    const cluster = await startCluster(cleanup, dataDir, 2, { broker: { replicaLagTimeMaxMs: 500 } });
    // Broker 3 is the test itself: it registers and heartbeats like a broker, and fetches by hand,
    // so that it is exactly as far behind as the story needs.
    const controller = connectTo(cleanup, cluster, 0);
    const { brokerEpoch } = await controller.request({ type: 'brokerRegistration', brokerId: 3, host: '127.0.0.1', port: await closedPort() });
    const brokerThree = cleanup(keepAlive(controller, 3, brokerEpoch));

    await createTopic(cleanup, cluster, 'rejoin', { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    // Each broker leads one of the three partitions: take one that a real broker leads.
    const p = [0, 1, 2].find((partition) => cluster.state('rejoin', partition).leader !== 3)!;
    const a = cluster.state('rejoin', p).leader;
    const b = a === 1 ? 2 : 1;
    await waitFor(() => cluster.broker(a).partition('rejoin', p)?.isLeader === true, WAIT_MS, `broker ${a} leads rejoin-${p}`);

    // Ten records on all three: broker b copies them by itself, broker 3 by the test's fetches.
    await fetchAs3(connectTo(cleanup, cluster, a), p, 0, 0);
    expect((await rawProduce(connectTo(cleanup, cluster, a), 'rejoin', p, values(10), 1)).error).toBeUndefined();
    await fetchAs3(connectTo(cleanup, cluster, a), p, 10, 0);
    await waitFor(() => cluster.broker(a).partition('rejoin', p)?.highWatermark === 10, WAIT_MS, 'expected offsets 0 to 9 committed on the three replicas');

    // Broker 3 stops fetching and leaves the ISR; 64 records are committed on a and b alone.
    await waitForState(cluster, 'rejoin', p, (state) => !state.isr.includes(3), 'expected broker 3 out of the ISR once it stopped fetching');
    const committed = await rawProduce(connectTo(cleanup, cluster, a), 'rejoin', p, values(64), -1);
    expect(committed, 'acks=all with the ISR a, b: committed').toMatchObject({ baseOffset: 10 });

    // Both real brokers stop while the test heartbeats for them, then a's heartbeats stop: the
    // controller fences a and elects b, in leader epoch 1. b restarts with the high watermark it
    // last heard of from a, one fetch late: 10 (here written into its checkpoint by the test).
    const aKeeper = cleanup(keepAlive(controller, a, cluster.controller.metadata.brokers.get(a)!.epoch));
    const bKeeper = cleanup(keepAlive(controller, b, cluster.controller.metadata.brokers.get(b)!.epoch));
    await cluster.stopBroker(a);
    await cluster.stopBroker(b);
    const checkpoint = new HighWatermarkCheckpoint(path.join(dataDir, `broker-${b}`));
    const marks = checkpoint.read();
    marks.set(`rejoin-${p}`, 10);
    checkpoint.write([...marks].map(([name, highWatermark]) => ({ topic: name.slice(0, name.lastIndexOf('-')), partition: Number(name.slice(name.lastIndexOf('-') + 1)), highWatermark })));
    aKeeper.stop();
    await waitForState(cluster, 'rejoin', p, (state) => state.leader === b, `expected broker ${b} elected once broker ${a} is fenced`);
    await cluster.startBroker(b);
    bKeeper.stop();
    await waitFor(() => cluster.broker(b).partition('rejoin', p)?.isLeader === true, WAIT_MS, `broker ${b} leads rejoin-${p} again after its restart`);
    const leader = cluster.broker(b).partition('rejoin', p)!;
    expect({ logEndOffset: leader.logEndOffset, highWatermark: leader.highWatermark }, `broker ${b} has all 74 records, and knows of the high watermark only up to 10`).toEqual({ logEndOffset: 74, highWatermark: 10 });

    // Broker 3 comes back: it fetches from 10, the high watermark of the new leader.
    const fromB = connectTo(cleanup, cluster, b);
    const { leaderEpoch } = cluster.state('rejoin', p);
    const answer = await fetchAs3(fromB, p, 10, leaderEpoch);
    expect(answer.error, 'the new leader serves broker 3 from 10').toBeUndefined();
    expect(
      [...leader.isr, ...(leader.pendingIsr ?? [])].includes(3),
      `broker 3 reached the high watermark 10, but offsets 10 to 73, committed with acks=all before broker ${a} died, are not on it. ` +
        `Let back into the ISR now, it could be elected when broker ${b} dies, and they would be lost for good. ` +
        `It rejoins only once it reaches ${leader.leaderEpochStartOffset}, where leader epoch ${leaderEpoch} began (Partition.isFollowerInSync)`,
    ).toBe(false);

    // Once it has them, it is in sync, and the controller counts it again.
    await fetchAs3(fromB, p, 74, leaderEpoch);
    await waitForState(cluster, 'rejoin', p, (state) => state.isr.includes(3), 'expected broker 3 back in the ISR once it reached 74');
    brokerThree.stop();
  });
});

const values = (count: number) => Array.from({ length: count }, (_, i) => `r${i}`);

/** One fetch as broker 3, a follower whose last batch is of epoch 0, answered at once. */
async function fetchAs3(connection: Connection, partition: number, offset: number, currentLeaderEpoch: number) {
  const response = await connection.request({
    type: 'fetch',
    replicaId: 3,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1_048_576,
    partitions: [{ topic: 'rejoin', partition, offset, currentLeaderEpoch, ...(offset > 0 ? { lastFetchedEpoch: 0 } : {}) }],
  });
  return response.partitions[0]!;
}

/** Heartbeats for a broker every 50 ms, so that the controller counts it alive, until stopped. */
function keepAlive(controller: Connection, brokerId: number, brokerEpoch: number) {
  const timer = setInterval(() => void controller.request({ type: 'brokerHeartbeat', brokerId, brokerEpoch }).catch(() => {}), 50);
  return { stop: () => clearInterval(timer) };
}

/** A port nothing listens on: where broker 3 says it serves (nobody needs to reach it here). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
