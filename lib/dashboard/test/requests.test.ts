// The requests the dashboard added to the steps, against each step's reference brokers as
// processes: describeReplicas (step 07 on: each replica's log end offset and high watermark),
// listGroups and describeGroups (step 06 on; in step 09 Kafka's ListGroups v0 and DescribeGroups
// v0, and the workshop's own api key for describeReplicas), seen through the dashboard's poller:
// what the page would show of a 2-broker cluster with a topic, ten records and a consumer group.
// They are given code (no student writes them), so they are tested here, not in the steps.
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SOLUTIONS_DIR } from '#lib/paths.ts';
import { findStep } from '#lib/steps.ts';
import { startCluster, type ClusterProcess } from '#lib/testing/cluster-process.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { Poller, type DashboardApi } from '../poller.ts';
import type { StepConnection } from '#lib/step-api.ts';

interface StepModule extends DashboardApi {
  KafkaAdmin: new (options: { bootstrapServers: string[] }) => { createTopic(name: string, options: { partitions: number; replicationFactor: number }): Promise<void>; close(): Promise<void> };
  KafkaProducer: new (options: Record<string, unknown>) => { send(topic: string, record: { key?: unknown; value: unknown }): Promise<unknown>; flush(): Promise<void>; close(): Promise<void> };
  KafkaConsumer: new (topic: string, options: Record<string, unknown>) => AsyncIterable<unknown> & { commit(): Promise<void>; close(): Promise<void> };
  stringSerializer: unknown;
}

/** A step's reference: its folder, its public API, and whether it has a controller (step 08 on). */
async function reference(number: string) {
  const step = findStep(number);
  const src = path.join(SOLUTIONS_DIR, step.name, 'src');
  const api = (await import(path.join(src, 'index.ts'))) as StepModule;
  return { step, src, api, withController: step.number >= 8 };
}

let cluster: ClusterProcess | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

describe.each(['07', '08', '09'])('step %s reference', (number) => {
  it('answers describeReplicas, listGroups and describeGroups, and the poller makes of them what the page shows', async () => {
    const { step, src, api, withController } = await reference(number);
    cluster = await startCluster(src, {
      brokers: 2,
      controller: withController,
      brokerOptions: { groupInitialRebalanceDelayMs: 0, offsetsTopicNumPartitions: 2, ...(withController ? { offsetsTopicReplicationFactor: 2 } : {}) },
    });
    const bootstrapServers = cluster.bootstrapServers;
    const admin = new api.KafkaAdmin({ bootstrapServers });
    await admin.createTopic('watched', { partitions: 2, replicationFactor: 2 });
    await admin.close();
    const producer = new api.KafkaProducer({ bootstrapServers, keySerializer: api.stringSerializer, valueSerializer: api.stringSerializer });
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send('watched', { key: `k${i}`, value: `v${i}` })));
    await producer.close();
    const consumer = new api.KafkaConsumer('watched', { bootstrapServers, groupId: 'watchers', autoOffsetReset: 'earliest', enableAutoCommit: false, consumerTimeoutMs: 10_000 });
    const poller = new Poller({
      api,
      step: { number: step.number, name: step.name },
      source: 'the reference',
      bootstrap: cluster.brokers.map(({ host, port }) => ({ host, port })),
      controller: withController ? { id: 0, host: cluster.controller().host, port: cluster.controller().port } : null,
    });
    try {
      let read = 0;
      for await (const _record of consumer) if (++read === 10) break;
      await consumer.commit();
      // Followers copy the records in their own time: poll until both replicas hold all ten.
      const deadline = Date.now() + 10_000;
      let snapshot = await poller.poll();
      const settled = () => snapshot.topics[0]?.partitions.every((partition) => partition.replicas.every((replica) => replica.logEndOffset === partition.highWatermark)) && snapshot.groups[0]?.state === 'Stable';
      while (!settled() && Date.now() < deadline) snapshot = await poller.poll();

      expect(snapshot.problems, 'requests that failed').toEqual([]);
      expect(snapshot.brokers.map(({ id, status }) => `${id} ${status}`)).toEqual(['1 alive', '2 alive']);
      expect(snapshot.capabilities).toMatchObject({ replicas: true, groups: true, controller: withController, generation: step.number < 9 });
      if (withController) expect(snapshot.controller?.status).toBe('alive');
      const [topic] = snapshot.topics;
      expect(topic?.name).toBe('watched');
      expect(topic!.partitions.reduce((sum, partition) => sum + (partition.highWatermark ?? 0), 0), 'high watermarks of the two partitions add up to the ten records').toBe(10);
      for (const partition of topic!.partitions) {
        expect(partition.replicas.map((replica) => replica.logEndOffset), `log end offsets of watched-${partition.partition}'s replicas (describeReplicas)`).toEqual([partition.highWatermark, partition.highWatermark]);
        expect(partition.replicas.filter((replica) => replica.leader).map((replica) => replica.id)).toEqual([partition.leader]);
        // Step 08's metadata carries the leader epoch; Kafka's Metadata v0-4 (step 09's) has none (v7 adds it).
        if (step.number === 8) expect(partition.leaderEpoch).toBeTypeOf('number');
        else expect(partition.leaderEpoch).toBeNull();
      }
      const [group] = snapshot.groups;
      expect(group, 'the group, from listGroups and describeGroups').toMatchObject({ groupId: 'watchers', state: 'Stable', protocolName: 'range', generationId: step.number < 9 ? 1 : null });
      expect(group!.members).toHaveLength(1);
      expect(group!.members[0]!.partitions.sort(), "the member's assignment, decoded").toEqual(['watched-0', 'watched-1']);
      expect(group!.offsets.map(({ partition, lag }) => `${partition}: lag ${lag}`)).toEqual(['0: lag 0', '1: lag 0']);
    } finally {
      await consumer.close();
      await poller.close();
    }
  }, 60_000);
});

// After a restart (one broker) or a failover (its __consumer_offsets partition moved), a coordinator
// has a group's commits but no member has told it of the group yet: it lists and describes it as
// Empty, as Kafka does, rather than not at all. In steps 08 and 09 it also checks that a commit is
// answered only once the other in-sync replica has it: not while that replica is paused, and the
// coordinator killed right after the answer loses nothing.
describe.each(['06', '08', '09'])('step %s reference', (number) => {
  it('a coordinator that knows a group only by its commits (restarted, or taken over) lists it as Empty, with the last commit', async () => {
    const { step, src, api, withController } = await reference(number);
    cluster = await startCluster(src, {
      brokers: withController ? 2 : 1,
      controller: withController,
      controllerOptions: { brokerSessionTimeoutMs: 3000, leaderImbalanceCheckIntervalMs: 1000 },
      brokerOptions: { groupInitialRebalanceDelayMs: 0, offsetsTopicNumPartitions: 1, ...(withController ? { offsetsTopicReplicationFactor: 2, brokerHeartbeatIntervalMs: 200 } : {}) },
    });
    const bootstrapServers = cluster.bootstrapServers;
    const admin = new api.KafkaAdmin({ bootstrapServers });
    await admin.createTopic('kept', { partitions: 1, replicationFactor: withController ? 2 : 1 });
    await admin.close();
    const producer = new api.KafkaProducer({ bootstrapServers, keySerializer: api.stringSerializer, valueSerializer: api.stringSerializer });
    await Promise.all(Array.from({ length: 3 }, (_, i) => producer.send('kept', { value: `v${i}` })));
    await producer.close();
    const consumer = new api.KafkaConsumer('kept', { bootstrapServers, groupId: 'keepers', autoOffsetReset: 'earliest', enableAutoCommit: false, consumerTimeoutMs: 10_000 });
    const ask = new api.Connection(cluster.brokers[0]!.host, cluster.brokers[0]!.port);
    let coordinator: { nodeId: number };
    try {
      let read = 0;
      for await (const _record of consumer) if (++read === 3) break;
      coordinator = (await ask.request({ type: 'findCoordinator', key: 'keepers' })) as { nodeId: number };
      if (withController) {
        // The only other replica of the offsets partition is paused: the commit must wait for it.
        const follower = cluster.brokers.find((broker) => broker.id !== coordinator.nodeId)!;
        await cluster.pause(follower.id);
        try {
          const commit = consumer.commit();
          commit.catch(() => {}); // awaited below; a failed expect() must not leave it unhandled
          const first = await Promise.race([commit.then(() => 'answered'), delay(1_000).then(() => 'still waiting')]);
          expect(first, 'the commit was answered while the only other in-sync replica of its offsets partition was paused: it must wait for every in-sync replica, as Kafka does').toBe('still waiting');
          await cluster.resume(follower.id);
          await commit;
        } finally {
          if (cluster.isPaused(follower.id)) await cluster.resume(follower.id);
        }
      } else {
        await consumer.commit();
      }
    } finally {
      await ask.close();
      await consumer.close();
    }

    // The coordinator goes: restarted (step 06), or killed right after the commit so that the other broker takes over (08, 09).
    await cluster.kill(coordinator.nodeId);
    if (!withController) await cluster.restart(coordinator.nodeId);

    const survivor = cluster.brokers.find((broker) => cluster!.isRunning(broker.id))!;
    const poller = new Poller({
      api,
      step: { number: step.number, name: step.name },
      source: 'the reference',
      bootstrap: [{ host: survivor.host, port: survivor.port }],
      controller: withController ? { id: 0, host: cluster.controller().host, port: cluster.controller().port } : null,
    });
    try {
      const deadline = Date.now() + 15_000;
      let snapshot = await poller.poll();
      const found = () => snapshot.groups.find((group) => group.groupId === 'keepers');
      while (!(found()?.offsets.length && found()?.coordinator !== (withController ? coordinator.nodeId : -1)) && Date.now() < deadline) snapshot = await poller.poll();
      expect(found(), `the group, from listGroups and describeGroups of a poller that never saw it before; problems: ${snapshot.problems.join('; ')}`).toMatchObject({ groupId: 'keepers', state: 'Empty', members: [] });
      if (withController) expect(found()!.coordinator, 'the new coordinator').not.toBe(coordinator.nodeId);
      expect(found()!.offsets.map(({ topic, partition, committed }) => `${topic}-${partition}: ${committed}`)).toEqual(['kept-0: 3']);
      if (withController) await leadershipComesBack(api, cluster, coordinator.nodeId, survivor);
    } finally {
      await poller.close();
    }
  }, 60_000);
});

/**
 * The old coordinator returns and, as preferred leader, takes the offsets partition back: it loads
 * the group's commits again, and the broker that stood in for it unloads the group and lists it no more.
 */
async function leadershipComesBack(api: StepModule, running: ClusterProcess, oldCoordinator: number, standIn: { id: number; host: string; port: number }): Promise<void> {
  await running.restart(oldCoordinator);
  const toStandIn = new api.Connection(standIn.host, standIn.port);
  const returned = running.broker(oldCoordinator);
  const toReturned = new api.Connection(returned.host, returned.port);
  const listed = async (connection: StepConnection) => ((await connection.request({ type: 'listGroups' })) as { groups: Array<{ groupId: string }> }).groups.map(({ groupId }) => groupId);
  try {
    await waitFor(async () => (await toStandIn.request({ type: 'findCoordinator', key: 'keepers' }) as { nodeId: number }).nodeId === oldCoordinator, 20_000, `broker ${oldCoordinator} should lead the offsets partition again (the preferred leader)`);
    await waitFor(async () => (await listed(toStandIn)).length === 0, 5_000, `broker ${standIn.id} no longer coordinates the group, and should list it no more`);
    expect(await listed(toReturned), `broker ${oldCoordinator} coordinates the group again, with the commits it loaded`).toEqual(['keepers']);
    const committed = (await toReturned.request({ type: 'offsetFetch', groupId: 'keepers', partitions: [{ topic: 'kept', partition: 0 }] })) as { partitions: Array<{ offset: number }> };
    expect(committed.partitions.map(({ offset }) => offset)).toEqual([3]);
  } finally {
    await toStandIn.close();
    await toReturned.close();
  }
}
