// Demo for step 07: three broker processes, a topic with three copies of each partition, and
// what happens to acks=all as brokers are killed with SIGKILL and come back. Ends with the price
// of each acks setting, measured on this machine.
//
//   npm run demo 07                 the reference
//   npm run demo 07 -- --mine       your steps/07-replication/src
import { performance } from 'node:perf_hooks';
import { startCluster } from '#lib/testing/cluster-process.ts';
import type * as Step07 from './src/index.ts';

type Api = typeof Step07;

const LAG_MS = 2_000;

export default async function demo(api: Api, _args: string[], { srcDir }: { srcDir: string }): Promise<void> {
  const { KafkaAdmin, KafkaProducer, kcat, stringSerializer } = api;
  console.log('1. Three brokers, each its own process, each told the others (--cluster)\n');
  const cluster = await startCluster(srcDir, { brokers: 3, brokerOptions: { replicaLagTimeMaxMs: LAG_MS, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 200 } });
  try {
    for (const broker of cluster.brokers) console.log(`  broker ${broker.id}  ${broker.host}:${broker.port}  pid ${broker.pid}`);
    const bootstrapServers = cluster.bootstrapServers;
    const admin = new KafkaAdmin({ bootstrapServers });
    await admin.createTopic('test-topic', { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    const lines: string[] = [];
    const io = { stdin: (async function* () {})(), stdout: (text: string) => void lines.push(text), stderr: () => {} };
    /** kcat -L for test-topic, asked of the given broker (the leader's view of its ISR is the freshest). */
    const kcatL = async (port: number) => {
      lines.length = 0;
      await kcat(['-b', `127.0.0.1:${port}`, '-L', '-t', 'test-topic'], io);
      console.log(lines.join('').trimEnd().split('\n').map((line) => `    ${line}`).join('\n'));
    };
    console.log(`\n2. test-topic: 3 partitions, replication factor 3, min.insync.replicas=2 (npm run kcat -- -L):\n`);
    await kcatL(cluster.brokers[0]!.port);

    const view = new api.Cluster(bootstrapServers);
    const p0 = (await view.refreshMetadata(['test-topic'])).topics[0]!.partitions[0]!;
    await view.close();
    const leader = cluster.broker(p0.leader);
    const [first, second] = p0.replicas.filter((id) => id !== p0.leader);
    const producer = new KafkaProducer({ bootstrapServers, valueSerializer: stringSerializer, lingerMs: 0 });
    const timed = async (value: string) => {
      const started = performance.now();
      const meta = await producer.send('test-topic', { value, partition: 0 });
      return { meta, ms: Math.round(performance.now() - started) };
    };
    for (let i = 0; i < 3; i++) {
      const { meta, ms } = await timed(`record-${i}`);
      console.log(`  acks=all: record-${i} at test-topic-0 offset ${meta.offset}, answered in ${ms} ms (leader ${p0.leader} and both followers have it)`);
    }

    console.log(`\n3. kill -9 broker ${first} (a follower of partition 0)`);
    await cluster.kill(first!);
    const { meta, ms } = await timed('after-one-kill');
    console.log(`  acks=all: answered in ${ms} ms, offset ${meta.offset}: it waited until broker ${first} had lagged ${LAG_MS} ms and left the ISR,`);
    console.log(`  then two in-sync replicas were enough (min.insync.replicas=2). Partition 0 as its leader, broker ${p0.leader}, sees it:\n`);
    await kcatL(leader.port);

    console.log(`\n4. kill -9 broker ${second}: soon the leader is alone in the ISR`);
    await cluster.kill(second!);
    const during = await timed('while-shrinking').catch((error: Error) => error);
    console.log(`  acks=all, sent at once: ${during instanceof Error ? during.message : `answered at offset ${during.meta.offset}`}`);
    console.log('            (written while the ISR was still 2, then it shrank below min.insync.replicas while the producer waited)');
    const after = await timed('alone').catch((error: Error) => error);
    console.log(`  acks=all, sent next:    ${after instanceof Error ? after.message : `answered at offset ${after.meta.offset} (unexpected)`}`);
    const one = new KafkaProducer({ bootstrapServers: [`127.0.0.1:${leader.port}`], valueSerializer: stringSerializer, lingerMs: 0, acks: 1 });
    const kept = await one.send('test-topic', { value: 'acks-1', partition: 0 });
    console.log(`  acks=1:   answered, offset ${kept.offset}: on one broker only, lost if broker ${p0.leader} dies now`);
    await one.close();

    console.log(`\n5. Brokers ${first} and ${second} come back, catch up from the leader and rejoin the ISR\n`);
    await cluster.restart(first!);
    await cluster.restart(second!);
    // Each partition's leader lets a follower back in once it reaches the high watermark.
    const leaderView = new api.Cluster([`127.0.0.1:${leader.port}`]);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const fresh = await leaderView.refreshMetadata(['test-topic']);
      if (fresh.topics[0]!.partitions.every((partition) => partition.isr.length === 3)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await leaderView.close();
    await kcatL(leader.port);
    await producer.close();

    console.log('\n6. The price of each acks setting: 10 000 records of 100 bytes, one partition, best of two runs, this machine\n');
    await admin.createTopic('rf1', { partitions: 1, replicationFactor: 1 });
    await admin.createTopic('rf3', { partitions: 1, replicationFactor: 3 });
    const value = 'x'.repeat(100);
    const rate = async (topic: string, acks: 0 | 1 | 'all') => {
      const sender = new KafkaProducer({ bootstrapServers, valueSerializer: stringSerializer, acks });
      await sender.send(topic, { value, partition: 0 }); // metadata and connections first
      let best = 0;
      for (let run = 0; run < 2; run++) {
        const started = performance.now();
        await Promise.all(Array.from({ length: 10_000 }, () => sender.send(topic, { value, partition: 0 })));
        best = Math.max(best, 10_000 / ((performance.now() - started) / 1000));
      }
      await sender.close();
      return best;
    };
    const rows: Array<[string, number, number]> = [];
    for (const acks of [0, 1, 'all'] as const) rows.push([`acks=${acks}`, await rate('rf1', acks), await rate('rf3', acks)]);
    console.log(`  ${'acks'.padEnd(10)}${'RF 1'.padStart(14)}${'RF 3'.padStart(14)}   RF 3 / RF 1`);
    for (const [name, rf1, rf3] of rows) console.log(`  ${name.padEnd(10)}${`${Math.round(rf1)}/s`.padStart(14)}${`${Math.round(rf3)}/s`.padStart(14)}   ${(rf3 / rf1).toFixed(2)}`);
    console.log('\n  Figures move by tens of percent from run to run on a busy machine; the ratios are the point.');
    console.log('  Kreps (2014) measured three replicas with acks=all at about half of one replica on his hardware.');
    await admin.close();
  } finally {
    await cluster.stop();
  }
}
