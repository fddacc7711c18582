// The broker side of step 03, spoken to directly with requests (no producer in between).
import { describe, expect, test } from 'vitest';
import { Broker, Connection } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();

async function startBroker(options: { numPartitions?: number; messageMaxBytes?: number } = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, ...options }));
  const { port } = await broker.start();
  const connection = new Connection('127.0.0.1', port);
  cleanup({ stop: () => connection.close() });
  const request = (body: Record<string, unknown>) => within(connection.request(body as never), 5_000, `no answer to the ${String(body.type)} request`) as Promise<any>;
  return { broker, port, request };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const records = (...values: string[]) => values.map((value) => ({ key: null, value: b64(value), timestamp: 1_000, headers: [] }));

describe('task 5: the broker keeps partitions', () => {
  test('task 5: metadata creates a topic on first use, with numPartitions partitions led by this broker', async () => {
    const { port, request } = await startBroker({ numPartitions: 3 });
    const response = await request({ type: 'metadata', topics: ['numtest'] });
    expect(response.brokers, 'metadata lists this broker with the address clients should use').toEqual([{ id: 1, host: '127.0.0.1', port }]);
    const topic = response.topics.find((t: { name: string }) => t.name === 'numtest');
    expect(topic, 'metadata for ["numtest"] should describe topic "numtest"').toBeDefined();
    expect(
      topic.partitions.map((p: { partition: number; leader: number }) => `${p.partition}:${p.leader}`),
      'numtest should have partitions 0, 1, 2 (numPartitions: 3), each led by broker 1',
    ).toEqual(['0:1', '1:1', '2:1']);
    const again = await request({ type: 'metadata', topics: ['numtest'] });
    expect(again.topics[0].partitions.length, 'asking again does not create the topic twice').toBe(3);
  });

  test('task 5: produced batches get consecutive offsets, per partition, continuing from the last batch', async () => {
    const { request } = await startBroker({ numPartitions: 2 });
    const first = await request({
      type: 'produce', acks: 1,
      batches: [
        { topic: 'events', partition: 0, records: records('a', 'b', 'c') },
        { topic: 'events', partition: 1, records: records('x') },
      ],
    });
    expect(first.results, 'base offsets of the first batches').toEqual([
      { topic: 'events', partition: 0, baseOffset: 0 },
      { topic: 'events', partition: 1, baseOffset: 0 },
    ]);
    const second = await request({ type: 'produce', acks: 1, batches: [{ topic: 'events', partition: 0, records: records('d', 'e') }] });
    expect(second.results[0]?.baseOffset, 'partition 0 already holds offsets 0..2: the next batch starts at 3').toBe(3);
  });

  test('task 5: a batch for a partition that does not exist fails alone; the others in the request are stored', async () => {
    const { request } = await startBroker({ numPartitions: 1 });
    const response = await request({
      type: 'produce', acks: 1,
      batches: [
        { topic: 'events', partition: 4, records: records('lost') },
        { topic: 'events', partition: 0, records: records('kept') },
      ],
    });
    expect(response.results[0]?.error?.code, 'partition 4 of a 1-partition topic: UNKNOWN_TOPIC_OR_PARTITION for that batch').toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(response.results[1], 'the batch for partition 0 is stored at offset 0').toEqual({ topic: 'events', partition: 0, baseOffset: 0 });
  });

  test('task 5: a batch over messageMaxBytes is refused with MESSAGE_TOO_LARGE, and takes no offsets', async () => {
    const { request } = await startBroker({ messageMaxBytes: 100 });
    const response = await request({
      type: 'produce', acks: 1,
      batches: [{ topic: 'big', partition: 0, records: records('x'.repeat(60), 'y'.repeat(60)) }],
    });
    expect(response.results[0]?.error?.code, '120 bytes of values with messageMaxBytes 100').toBe('MESSAGE_TOO_LARGE');
    const next = await request({ type: 'produce', acks: 1, batches: [{ topic: 'big', partition: 0, records: records('small') }] });
    expect(next.results[0]?.baseOffset, 'the refused batch took no offsets: the next one starts at 0').toBe(0);
  });

  test('task 5: a batch with no records gets INVALID_RECORD; a bad timestamp or partition number gets INVALID_REQUEST', async () => {
    const { request } = await startBroker();
    const response = await request({
      type: 'produce', acks: 1,
      batches: [
        { topic: 'events', partition: 0, records: [] },
        { topic: 'events', partition: 0, records: records('kept') },
      ],
    });
    expect(response.results[0]?.error?.code, 'a batch of no records is refused on its own, with Kafka\'s INVALID_RECORD').toBe('INVALID_RECORD');
    expect(response.results[1], 'the other batch of the request is stored').toEqual({ topic: 'events', partition: 0, baseOffset: 0 });
    const record = (timestamp: number) => ({ key: null, value: b64('v'), timestamp, headers: [] });
    for (const [what, batch] of [
      ['a timestamp of 1.5 ms', { topic: 'events', partition: 0, records: [record(1.5)] }],
      ['a timestamp of 1e300 ms', { topic: 'events', partition: 0, records: [record(1e300)] }],
      ['partition 2^32', { topic: 'events', partition: 2 ** 32, records: [record(1_000)] }],
      ['partition -1', { topic: 'events', partition: -1, records: [record(1_000)] }],
    ] as const) {
      const refused = await request({ type: 'produce', acks: 1, batches: [batch] }).then(() => null, (error: unknown) => error);
      expect(refused, `a produce request with ${what} must be refused: Kafka's timestamps are whole ms, its partitions int32`).toMatchObject({ code: 'INVALID_REQUEST' });
    }
    const next = await request({ type: 'produce', acks: 1, batches: [{ topic: 'events', partition: 0, records: records('after') }] });
    expect(next.results[0]?.baseOffset, 'nothing refused took an offset, and the broker carries on').toBe(1);
  });

  test('task 5: the broker counts the requests it answers, by type', async () => {
    const { broker, request } = await startBroker();
    await request({ type: 'metadata', topics: ['t'] });
    for (let i = 0; i < 3; i++) await request({ type: 'produce', acks: 1, batches: [{ topic: 't', partition: 0, records: records('v') }] });
    expect([broker.requestCount('metadata'), broker.requestCount('produce')], 'requestCount("metadata"), requestCount("produce")').toEqual([1, 3]);
  });
});
