// Demo for step 08: the introduction's story, live. A controller and three brokers as processes,
// test-topic with 5 partitions and 2 replicas (the docker compose file's shape), a producer and a
// consumer running; the leader of partition 0 is killed with SIGKILL and a replica takes over
// while the consumer keeps reading; then it comes back and takes its leadership back.
//
//   npm run demo 08                 the reference
//   npm run demo 08 -- --mine       your steps/08-controller/src
import { performance } from 'node:perf_hooks';
import { startCluster } from '#lib/testing/cluster-process.ts';
import type * as Step08 from './src/index.ts';

type Api = typeof Step08;

const SESSION_MS = 3_000;

export default async function demo(api: Api, _args: string[], { srcDir }: { srcDir: string }): Promise<void> {
  const { Connection, KafkaAdmin, KafkaConsumer, KafkaProducer, kcat, stringSerializer } = api;
  console.log(`1. A controller and three brokers, each its own process (broker session ${SESSION_MS} ms)\n`);
  const cluster = await startCluster(srcDir, {
    brokers: 3,
    controller: true,
    controllerOptions: { brokerSessionTimeoutMs: SESSION_MS, leaderImbalanceCheckIntervalMs: 1_000 },
    brokerOptions: { brokerHeartbeatIntervalMs: 300, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 200, replicaLagTimeMaxMs: 5_000, groupInitialRebalanceDelayMs: 0 },
  });
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const controller = cluster.controller();
    console.log(`  controller ${controller.id}  ${controller.host}:${controller.port}  pid ${controller.pid}`);
    for (const broker of cluster.brokers) console.log(`  broker ${broker.id}      ${broker.host}:${broker.port}  pid ${broker.pid}`);
    const bootstrapServers = cluster.bootstrapServers;
    const admin = new KafkaAdmin({ bootstrapServers });
    closers.push(() => admin.close());
    await admin.createTopic('test-topic', { partitions: 5, replicationFactor: 2 });

    /** What the controller says of a partition. */
    const partition = async (p: number) => {
      const connection = new Connection(controller.host, controller.port);
      try {
        const { topics } = await connection.request({ type: 'metadata' });
        return topics.find((topic) => topic.name === 'test-topic')!.partitions[p]!;
      } finally {
        await connection.close();
      }
    };
    const lines: string[] = [];
    const io = { stdin: (async function* () {})(), stdout: (text: string) => void lines.push(text), stderr: () => {} };
    const kcatL = async (port: number) => {
      lines.length = 0;
      await kcat(['-b', `127.0.0.1:${port}`, '-L', '-t', 'test-topic'], io);
      console.log(lines.join('').trimEnd().split('\n').filter((line) => /partition|broker/.test(line)).map((line) => `    ${line.trim()}`).join('\n'));
    };
    console.log('\n2. test-topic: 5 partitions, replication factor 2, like the introduction\'s test-topic:5:2\n');
    const first = await partition(0);
    await kcatL(cluster.broker(first.leader === 1 ? 2 : 1).port);

    // A producer writing one record every 50 ms, and a consumer group printing what it reads.
    const producer = new KafkaProducer({ bootstrapServers, valueSerializer: stringSerializer, lingerMs: 0 });
    closers.push(() => producer.close());
    const consumer = new KafkaConsumer<string | null, string | null>('test-topic', { bootstrapServers, groupId: 'demo', autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, valueDeserializer: (data) => data?.toString() ?? null });
    closers.push(() => consumer.close());
    const acked: string[] = [];
    const read = new Set<string>();
    let producing = true;
    const writing = (async () => {
      for (let n = 0; producing; n++) {
        const value = `n${n}`;
        await producer.send('test-topic', { value, partition: 0 });
        acked.push(value);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const reading = (async () => {
      for await (const record of consumer) if (record.partition === 0 && record.value) read.add(record.value);
    })();
    const waitUntil = async (check: () => boolean | Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await waitUntil(() => read.size >= 20, 15_000);
    console.log(`\n3. Producing to partition 0 (acks=all) and consuming (group "demo"): ${acked.length} sent, ${read.size} read so far`);

    console.log(`\n4. kill -9 broker ${first.leader}, the leader of partition 0 (leader epoch ${first.leaderEpoch ?? 0})`);
    await cluster.kill(first.leader);
    const killed = performance.now();
    await waitUntil(async () => ![first.leader, -1].includes((await partition(0)).leader), 30_000);
    const failoverMs = Math.round(performance.now() - killed);
    const taken = await partition(0);
    console.log(`  broker ${taken.leader} leads partition 0 now, epoch ${taken.leaderEpoch}, ${failoverMs} ms after the kill (the session timeout is ${SESSION_MS} ms, counted from the broker's last heartbeat, a little before the kill)\n`);
    await kcatL(cluster.broker(taken.leader).port);
    const sentBefore = acked.length;
    await waitUntil(() => acked.length >= sentBefore + 20, 20_000);
    const soFar = acked.slice();
    await waitUntil(() => soFar.every((value) => read.has(value)), 20_000);
    console.log(`\n  The producer retried through the failover and the consumer kept reading: of the first ${soFar.length} acknowledged, ${soFar.filter((value) => read.has(value)).length} read`);

    console.log(`\n5. Broker ${first.leader} comes back: it truncates what the new leader never had, catches up, and takes its leadership back`);
    await cluster.restart(first.leader);
    const restarted = performance.now();
    await waitUntil(async () => (await partition(0)).leader === first.leader, 30_000);
    const back = await partition(0);
    console.log(`  partition 0: leader ${back.leader}, epoch ${back.leaderEpoch}, ISR ${back.isr.join(',')} (${Math.round(performance.now() - restarted)} ms after the restart)\n`);
    await kcatL(cluster.broker(back.leader).port);

    producing = false;
    await writing;
    await waitUntil(() => acked.every((value) => read.has(value)), 10_000);
    const missing = acked.filter((value) => !read.has(value));
    console.log(`\n6. ${acked.length} records acknowledged, ${missing.length === 0 ? 'every one of them read' : `${missing.length} never read: ${missing.join(', ')}`}. Failover took ${failoverMs} ms.`);
    void reading;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await cluster.stop();
  }
}
