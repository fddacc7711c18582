// The controller with brokers in this process: liveness, elections, ISR changes, preferred leaders.
import { describe, expect, test } from 'vitest';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { WAIT_MS, connectTo, createTopic, rawFetch, rawProduce, startCluster, valuesOf, waitForState } from './helpers.ts';

const tempDir = useTempDirs('kfs-step08-controller-');
const cleanup = useCleanup();

describe('task 2: liveness', () => {
  test('task 2: a broker silent past its session is fenced, and its partitions get new leaders from their ISR with a higher epoch', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 3, replicationFactor: 3 });
    const before = [0, 1, 2].map((p) => cluster.state('numtest', p));
    const victim = before[0]!.leader;
    await cluster.stopBroker(victim); // no more heartbeats
    await waitFor(() => cluster.controller.metadata.brokers.get(victim)?.fenced === true, WAIT_MS, `expected broker ${victim} to be fenced about 1.5 s (the session timeout) after its last heartbeat`);
    const fenced = [...cluster.controller.metadata.brokers.values()].filter((broker) => broker.fenced).map((broker) => broker.id);
    expect(fenced, 'the brokers that keep heartbeating (every 100 ms) are not fenced').toEqual([victim]);
    for (const [p, old] of before.entries()) {
      const now = cluster.state('numtest', p);
      expect(now.isr, `numtest-${p}: a fenced broker is in no ISR`).not.toContain(victim);
      if (old.leader === victim) {
        expect(now.leader, `numtest-${p} was led by broker ${victim}: the next in-sync replica leads`).toBe(old.isr.find((id) => id !== victim));
        expect(now.leaderEpoch, `numtest-${p}: a new leader comes with a new leader epoch`).toBeGreaterThan(old.leaderEpoch);
      } else {
        expect(now.leader, `numtest-${p}: its leader was not fenced and stays`).toBe(old.leader);
      }
    }
  });

  test('task 2: a topic created while a broker is fenced is placed over the live brokers only, leaders spread evenly', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3);
    await cluster.stopBroker(3);
    await waitFor(() => cluster.controller.metadata.brokers.get(3)?.fenced === true, WAIT_MS, 'expected broker 3 fenced after its session');
    await createTopic(cleanup, cluster, 'numtest', { partitions: 6, replicationFactor: 2 });
    const states = [0, 1, 2, 3, 4, 5].map((p) => cluster.state('numtest', p));
    for (const state of states) expect([...state.replicas].sort(), `numtest-${state.partition}: two copies, on brokers 1 and 2, the live ones`).toEqual([1, 2]);
    expect([1, 2].map((id) => states.filter((state) => state.leader === id).length), 'six leaders over two brokers: three each').toEqual([3, 3]);
  });

});

describe('task 3: the ISR changes through the controller', () => {
  test('task 3: a follower that stops leaves the ISR, and the controller records it (leader and partition epochs as they should be)', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3, { broker: { replicaLagTimeMaxMs: 300 }, controller: { brokerSessionTimeoutMs: 60_000 } });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 1, replicationFactor: 3 });
    const old = cluster.state('numtest', 0);
    const follower = old.replicas.find((id) => id !== old.leader)!;
    await cluster.stopBroker(follower); // the session is long: only the leader's ISR check can take it out
    await waitForState(cluster, 'numtest', 0, (state) => !state.isr.includes(follower), `expected the leader to ask the controller (alterPartition) to drop broker ${follower} from the ISR`);
    const now = cluster.state('numtest', 0);
    expect(now.leader).toBe(old.leader);
    expect(now.leaderEpoch, 'same leader, same leader epoch').toBe(old.leaderEpoch);
    expect(now.partitionEpoch, 'a new ISR is a new version').toBeGreaterThan(old.partitionEpoch);
    await waitFor(() => cluster.broker(old.leader).partition('numtest', 0)?.isr.includes(follower) === false, WAIT_MS, 'the leader applies the ISR the controller accepted');
  });

  test('task 3: an ISR change from a replaced leader, or about an older version, is refused', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 2);
    await createTopic(cleanup, cluster, 'numtest', { partitions: 1, replicationFactor: 2 });
    const { leader, leaderEpoch, partitionEpoch, replicas } = cluster.state('numtest', 0);
    const other = replicas.find((id) => id !== leader)!;
    const controller = connectTo(cleanup, cluster, 0);
    const ask = (brokerId: number, epochs: { leaderEpoch: number; partitionEpoch: number }, newIsr: number[]) =>
      controller.request({ type: 'alterPartition', brokerId, topic: 'numtest', partition: 0, ...epochs, newIsr }).then(
        (answer) => (JSON.stringify(answer.isr) === JSON.stringify(newIsr) ? 'accepted' : `answered with ISR ${answer.isr.join(',')}`),
        // A bug (or a TODO) answers UNKNOWN_SERVER_ERROR: its message says which.
        (error: { code?: string; message: string }) => (error.code && error.code !== 'UNKNOWN_SERVER_ERROR' ? error.code : error.message),
      );
    expect(await ask(other, { leaderEpoch, partitionEpoch }, [other]), `broker ${other} is not the leader`).toBe('FENCED_LEADER_EPOCH');
    expect(await ask(leader, { leaderEpoch: leaderEpoch + 1, partitionEpoch }, [leader]), 'a leader epoch that is not the current one').toBe('FENCED_LEADER_EPOCH');
    expect(await ask(leader, { leaderEpoch, partitionEpoch: partitionEpoch + 1 }, [leader]), 'a version that is not the current one').toBe('INVALID_UPDATE_VERSION');
    expect(cluster.state('numtest', 0).isr, 'nothing refused may change the ISR').toEqual(replicas);
    expect(await ask(leader, { leaderEpoch, partitionEpoch }, [leader]), 'the current leader, about the current version').toBe('accepted');
    expect(await ask(leader, { leaderEpoch, partitionEpoch }, replicas), 'the same request again is about a version that has passed').toBe('INVALID_UPDATE_VERSION');
  });
});

describe('task 5: preferred leaders', () => {
  test('task 5: the old leader comes back, catches up, rejoins the ISR and gets leadership back; every record is still readable', async () => {
    const cluster = await startCluster(cleanup, tempDir(), 3, { controller: { leaderImbalanceCheckIntervalMs: 200 } });
    await createTopic(cleanup, cluster, 'numtest', { partitions: 1, replicationFactor: 3 });
    const { leader: preferred } = cluster.state('numtest', 0);
    for (let i = 0; i < 5; i++) expect((await rawProduce(connectTo(cleanup, cluster, preferred), 'numtest', 0, [`before-${i}`], -1)).error).toBeUndefined();
    await cluster.stopBroker(preferred);
    await waitForState(cluster, 'numtest', 0, (state) => state.leader !== preferred && state.leader !== -1, `expected a new leader once broker ${preferred} is fenced`);
    const interim = cluster.state('numtest', 0).leader;
    expect((await rawProduce(connectTo(cleanup, cluster, interim), 'numtest', 0, ['during'], -1)).error, 'the new leader takes writes').toBeUndefined();
    await cluster.startBroker(preferred);
    await waitForState(cluster, 'numtest', 0, (state) => state.leader === preferred, `expected leadership back on broker ${preferred}, the preferred replica, once it is in sync`);
    await waitFor(() => cluster.broker(preferred).partition('numtest', 0)?.isLeader === true, WAIT_MS, `broker ${preferred} learns it leads again`);
    const connection = connectTo(cleanup, cluster, preferred);
    await waitFor(async () => valuesOf(await rawFetch(connection, 'numtest', 0, 0)).length === 6, WAIT_MS, 'expected the 6 acknowledged records readable from the preferred leader');
    expect(valuesOf(await rawFetch(connection, 'numtest', 0, 0))).toEqual(['before-0', 'before-1', 'before-2', 'before-3', 'before-4', 'during']);
  });
});
