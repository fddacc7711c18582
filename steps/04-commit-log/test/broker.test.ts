import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Broker, KafkaAdmin, KafkaError, KafkaProducer, stringSerializer } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { within } from '#lib/testing/wait.ts';

// Registered first, so its afterEach runs last: brokers stop before their folders go.
const tempDir = useTempDirs('kfs-step04-broker-');
const cleanup = useCleanup();
const WAIT_MS = 3_000;

async function startBroker(dataDir: string, options: { numPartitions?: number } = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, dataDir, ...options }));
  const { host, port } = await broker.start();
  return { broker, bootstrap: `${host}:${port}` };
}

function producerFor(bootstrap: string) {
  return cleanup(new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: stringSerializer, lingerMs: 0 }));
}

const values = (records: Array<{ value: Buffer | null }>) => records.map((record) => record.value?.toString());

describe('task 7: the broker keeps its partitions on disk', () => {
  test('task 7: a produced record lands in dataDir/<topic>-<partition>/00000000000000000000.log', async () => {
    const dataDir = tempDir();
    const { bootstrap } = await startBroker(dataDir);
    await within(producerFor(bootstrap).send('orders', { value: 'first' }), WAIT_MS, 'send() did not resolve');
    const file = path.join(dataDir, 'orders-0', '00000000000000000000.log');
    expect(fs.existsSync(file), `expected the partition's first segment at ${file}; the broker should open a Log per partition under dataDir`).toBe(true);
    expect(fs.statSync(file).size, 'the segment should hold the batch just written').toBeGreaterThan(0);
  });

  test('task 7: records survive a restart, and offsets carry on where they stopped', async () => {
    const dataDir = tempDir();
    const first = await startBroker(dataDir);
    const producer = producerFor(first.bootstrap);
    for (const value of ['a', 'b', 'c']) await within(producer.send('numtest', { value }), WAIT_MS, `send(${value}) did not resolve`);
    await producer.close();
    await first.broker.stop();

    const second = await startBroker(dataDir);
    expect(values(second.broker.records('numtest', 0)), 'a restarted broker must find the records already in dataDir (load the logs on start)').toEqual(['a', 'b', 'c']);
    const meta = await within(producerFor(second.bootstrap).send('numtest', { value: 'd' }), WAIT_MS, 'send() after the restart did not resolve');
    expect(meta.offset, 'after a restart the next record gets the next offset, not 0').toBe(3);
  });

  test('task 7: a topic whose name has dashes and several partitions comes back whole after a restart', async () => {
    const dataDir = tempDir();
    const first = await startBroker(dataDir, { numPartitions: 3 });
    const producer = producerFor(first.bootstrap);
    for (let partition = 0; partition < 3; partition++) {
      await within(producer.send('page-views-v2', { value: `p${partition}`, partition }), WAIT_MS, `send() to partition ${partition} did not resolve`);
    }
    await producer.close();
    await first.broker.stop();

    const second = await startBroker(dataDir, { numPartitions: 1 });
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [second.bootstrap] }));
    expect(await admin.listTopics(), 'the topic is found from its folders "page-views-v2-0" … "page-views-v2-2": the partition number is after the LAST dash').toEqual(['page-views-v2']);
    const restored = [0, 1, 2].map((partition) => values(second.broker.records('page-views-v2', partition)));
    expect(restored, 'each partition keeps its own records across the restart').toEqual([['p0'], ['p1'], ['p2']]);
  });

  test('task 7: a bad topic name is refused with INVALID_TOPIC_EXCEPTION, nothing is created, and the broker carries on', async () => {
    const dataDir = tempDir();
    const { bootstrap } = await startBroker(dataDir);
    const producer = producerFor(bootstrap);
    const refused = await within(producer.send('../escape', { value: 'x' }).then(() => null, (error: unknown) => error), WAIT_MS, 'send() to "../escape" neither resolved nor rejected');
    expect(refused, 'a send to the topic "../escape" must be refused').toBeInstanceOf(KafkaError);
    expect((refused as KafkaError).code).toBe('INVALID_TOPIC_EXCEPTION');
    expect(fs.readdirSync(path.dirname(dataDir)).filter((name) => name.includes('escape')), 'nothing may be created outside dataDir').toEqual([]);
    expect(fs.readdirSync(dataDir), 'and nothing inside it either').toEqual([]);
    const meta = await within(producer.send('fine', { value: 'ok' }), WAIT_MS, 'a good send after the bad one did not resolve');
    expect(meta.offset).toBe(0);
  });
});

describe('task 7: KafkaAdmin', () => {
  test('task 7: createTopic makes a topic with the partitions asked for, and listTopics lists it', async () => {
    const dataDir = tempDir();
    const { bootstrap } = await startBroker(dataDir);
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [bootstrap] }));
    await within(admin.createTopic('numtest', { partitions: 3 }), WAIT_MS, 'createTopic did not resolve');
    expect(await admin.listTopics()).toEqual(['numtest']);
    expect(fs.readdirSync(dataDir).sort(), 'one folder per partition').toEqual(['numtest-0', 'numtest-1', 'numtest-2']);
    const meta = await within(producerFor(bootstrap).send('numtest', { value: 'x', partition: 2 }), WAIT_MS, 'send() to partition 2 did not resolve');
    expect(meta.partition).toBe(2);
  });

  test('task 7: createTopic refuses a topic that exists and a bad name, each with Kafka\'s error code', async () => {
    const dataDir = tempDir();
    const { bootstrap } = await startBroker(dataDir);
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [bootstrap] }));
    await admin.createTopic('numtest', { partitions: 1 });
    await expect(admin.createTopic('numtest', { partitions: 1 })).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS' });
    await expect(admin.createTopic('a/b', { partitions: 1 })).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION' });
    expect(await admin.listTopics()).toEqual(['numtest']);
  });

  test('task 7: a topic of a million partitions is refused with INVALID_PARTITIONS before anything is created, and the broker carries on', async () => {
    const dataDir = tempDir();
    const { bootstrap } = await startBroker(dataDir);
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [bootstrap] }));
    for (const partitions of [1_000_000, 2 ** 32 + 1, 1.5, 0]) {
      const refused = await within(admin.createTopic('huge', { partitions }).then(() => null, (error: unknown) => error), WAIT_MS, `createTopic with ${partitions} partitions neither resolved nor rejected`);
      expect(refused, `createTopic("huge", { partitions: ${partitions} }) must be refused (over maxPartitionsPerTopic, 1000 by default, or not a count)`).toMatchObject({ code: 'INVALID_PARTITIONS' });
    }
    expect(fs.readdirSync(dataDir), 'a refused topic leaves nothing in dataDir').toEqual([]);
    await within(admin.createTopic('fine', { partitions: 2 }), WAIT_MS, 'createTopic after the refusals did not resolve');
    expect(await admin.listTopics(), 'only the topic that was allowed exists').toEqual(['fine']);
  });
});
