import { describe, expect, test } from 'vitest';
import { Broker, jsonSerializer, KafkaProducer, partitionForKey, stringSerializer, type ProducerOptions, type RecordMetadata } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { within } from '#lib/testing/wait.ts';

const cleanup = useCleanup();

async function startBroker(options: { numPartitions?: number; messageMaxBytes?: number } = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, ...options }));
  const { port } = await broker.start();
  return { broker, bootstrap: `127.0.0.1:${port}` };
}

function producer(bootstrap: string, options: Omit<ProducerOptions, 'bootstrapServers'> = {}): KafkaProducer {
  const created = new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: stringSerializer, keySerializer: stringSerializer, ...options });
  cleanup({ stop: () => created.close() });
  return created;
}

/** Watches a promise without waiting for it, so a test can check which sends have settled. */
function watch<T>(promise: Promise<T>) {
  const seen: { settled: boolean; value?: T; error?: Error } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { settled: true, value }),
    (error: Error) => Object.assign(seen, { settled: true, error }),
  );
  return seen;
}

/** "; a send rejected with: …" for the first of these sends that rejected, else '': a failing expect names the error, a TODO included. */
function rejection(...seen: Array<{ error?: Error }>): string {
  const failed = seen.find((one) => one.error);
  return failed ? `; a send rejected with: ${failed.error!.message}` : '';
}

/** Marks a promise as handled (it is awaited later), so an early rejection is not reported as unhandled. */
function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

const spread = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('task 6: KafkaProducer', () => {
  test('task 6: send() resolves with { topic, partition, offset, timestamp }', async () => {
    const { bootstrap } = await startBroker();
    const kafka = producer(bootstrap);
    const meta = await within(kafka.send('numtest', { value: 'hello', timestamp: 1_700_000_000_123 }), 5_000, 'send() did not resolve');
    expect(meta, 'the first record of a new topic').toEqual({ topic: 'numtest', partition: 0, offset: 0, timestamp: 1_700_000_000_123 });
    const later = await within(kafka.send('numtest', { value: 'again' }), 5_000, 'the second send() did not resolve');
    expect(later.offset, 'the second record gets offset 1').toBe(1);
    expect(Math.abs(later.timestamp - Date.now()), 'without a timestamp, send() stamps the record with the current time').toBeLessThan(60_000);
  });

  test('task 6: key, value and headers reach the broker as bytes', async () => {
    const { broker, bootstrap } = await startBroker();
    const kafka = producer(bootstrap);
    await within(kafka.send('numtest', { key: 'user-42', value: 'hello', headers: { source: 'web', trace: null } }), 5_000, 'send() did not resolve');
    const [stored] = broker.records('numtest', 0);
    expect(stored?.key?.toString(), 'the key, serialized by keySerializer').toBe('user-42');
    expect(stored?.value?.toString(), 'the value, serialized by valueSerializer').toBe('hello');
    const headers = stored?.headers.map((header) => [header.key, header.value === null ? null : header.value.toString()]);
    expect(headers, 'headers { source: "web", trace: null } travel as [{ key, value }] with null kept as null').toEqual([['source', 'web'], ['trace', null]]);
  });

  test('task 6: per-partition offsets follow send order', async () => {
    const { bootstrap } = await startBroker({ numPartitions: 3 });
    const kafka = producer(bootstrap);
    const keys = ['alice', 'carol', 'dave']; // murmur2 puts them on partitions 0, 2 and 1
    const sends = Array.from({ length: 30 }, (_, i) => kafka.send('orders', { key: keys[i % 3], value: `order ${i}` }));
    const metas = await within(Promise.all(sends), 5_000, 'not every send() resolved');
    for (let partition = 0; partition < 3; partition++) {
      const offsets = metas.filter((meta) => meta.partition === partition).map((meta) => meta.offset);
      expect(offsets, `offsets on partition ${partition}, in send order`).toEqual(offsets.map((_, i) => i));
    }
    expect(new Set(metas.map((meta) => meta.partition)).size, 'keys alice, carol, dave spread over the 3 partitions').toBe(3);
  });

  test('task 6: records sent within lingerMs travel in one produce request', async () => {
    const { broker, bootstrap } = await startBroker();
    const kafka = producer(bootstrap, { lingerMs: 60_000 });
    // A first record, flushed, so the producer already has the topic's metadata.
    const first = later(kafka.send('clicks', { value: 'warm-up' }));
    await within(kafka.flush(), 5_000, 'flush() did not resolve');
    await first;
    const before = broker.requestCount('produce');
    // Twenty records spread over a few event-loop turns, all well within lingerMs (60 s).
    const sends: Array<Promise<RecordMetadata>> = [];
    for (let i = 0; i < 20; i++) {
      sends.push(later(kafka.send('clicks', { value: `click ${i}` })));
      await spread();
    }
    await within(kafka.flush(), 5_000, 'flush() did not resolve');
    const metas = await Promise.all(sends);
    expect(
      broker.requestCount('produce') - before,
      'the 20 records were all sent within lingerMs of the first: they should reach the broker in ONE produce request',
    ).toBe(1);
    expect(metas.map((meta) => meta.offset), 'offsets 1..20, in send order').toEqual(metas.map((_, i) => i + 1));
  });

  test('task 6: a quiet producer still delivers: a lone record goes lingerMs after it was sent', async () => {
    const { bootstrap } = await startBroker();
    const kafka = producer(bootstrap, { lingerMs: 20 });
    const meta = await within(kafka.send('quiet', { value: 'alone' }), 5_000, 'a lone record was never sent: when lingerMs (20 ms) is up, the batch must go even if it is not full');
    expect(meta.offset, 'the lone record').toBe(0);
  });

  test('task 6: a batch that reaches batchSize is sent without waiting for lingerMs', async () => {
    const { broker, bootstrap } = await startBroker();
    const kafka = producer(bootstrap, { batchSize: 1_000, lingerMs: 60_000 });
    const sends = Array.from({ length: 4 }, (_, i) => watch(kafka.send('big', { value: `${i}`.repeat(300) })));
    // Three 300-byte records fit in 1000 bytes, the fourth does not: the batch of three goes now.
    await within(
      new Promise<void>((resolve) => {
        const check = () => (sends[0]!.settled ? resolve() : setTimeout(check, 5));
        check();
      }),
      5_000,
      'the first record is still waiting: a full batch (batchSize 1000, three 300-byte records) must be sent at once, not after lingerMs (60 s)',
    );
    expect(sends.slice(0, 3).map((seen) => seen.value?.offset), `the full batch: offsets 0, 1, 2${rejection(...sends.slice(0, 3))}`).toEqual([0, 1, 2]);
    expect(sends[3]!.settled, 'the fourth record opened a new batch, which waits for lingerMs or flush()').toBe(false);
    expect(broker.requestCount('produce'), 'one produce request so far').toBe(1);
  });

  test('task 6: flush() resolves once every record sent before it has its answer', async () => {
    const { bootstrap } = await startBroker({ numPartitions: 3 });
    const kafka = producer(bootstrap, { lingerMs: 60_000 });
    const sends = Array.from({ length: 50 }, (_, i) => watch(kafka.send('pending', { key: `k${i % 7}`, value: `v${i}` })));
    await within(kafka.flush(), 5_000, 'flush() did not resolve');
    const unsettled = sends.flatMap((seen, i) => (seen.settled ? [] : [i]));
    expect(unsettled, 'sends still pending after flush() resolved').toEqual([]);
    expect(sends.filter((seen) => seen.error).map((seen) => seen.error!.message), 'no send should fail').toEqual([]);
  });

  test('task 6: a serializer error rejects that send only', async () => {
    const { bootstrap } = await startBroker();
    const kafka = producer(bootstrap, { valueSerializer: jsonSerializer });
    const good1 = later(kafka.send('json', { value: { n: 1 } }));
    const bad = kafka.send('json', { value: { n: 2n } }); // JSON.stringify cannot handle a BigInt
    const good2 = later(kafka.send('json', { value: { n: 3 } }));
    await expect(within(bad, 5_000, 'the send with a BigInt neither resolved nor rejected'), 'a value the serializer cannot handle rejects its send()').rejects.toThrow(/serializ/i);
    const metas = await within(Promise.all([good1, good2]), 5_000, 'the other sends did not resolve');
    expect(metas.map((meta) => meta.offset), 'the records around the bad one are sent (offsets 0 and 1: the bad one took none)').toEqual([0, 1]);
  });

  test('task 6: the same key always goes to the same partition, the one murmur2 picks', async () => {
    const { bootstrap } = await startBroker({ numPartitions: 3 });
    const kafka = producer(bootstrap);
    const keys = ['21', 'user-1', 'user-2', 'foobar', '21', 'user-1'];
    const metas = await within(Promise.all(keys.map((key) => kafka.send('keyed', { key, value: 'v' }))), 5_000, 'not every send() resolved');
    expect(
      metas.map((meta, i) => `${keys[i]}→${meta.partition}`),
      'each key on partition toPositive(murmur2(key)) % 3 (key "21" hashes negative: the mask gives 0, Math.abs would give 2)',
    ).toEqual(keys.map((key) => `${key}→${partitionForKey(Buffer.from(key), 3)}`));
    expect(metas[0]!.partition, 'key "21"').toBe(0);
  });

  test('task 6: an explicit partition wins over the key; one out of range rejects that send', async () => {
    const { bootstrap } = await startBroker({ numPartitions: 3 });
    const kafka = producer(bootstrap);
    const meta = await within(kafka.send('explicit', { key: '21', value: 'v', partition: 2 }), 5_000, 'send() did not resolve');
    expect(meta.partition, 'partition: 2 was given, so the key\'s partition (0) does not matter').toBe(2);
    await expect(
      within(kafka.send('explicit', { value: 'v', partition: 7 }), 5_000, 'a send to partition 7 of 3 neither resolved nor rejected'),
      'partition 7 of a 3-partition topic: reject that send with a message naming the range',
    ).rejects.toThrow(/7/);
  });

  test('task 6: a custom partitioner decides for every record without an explicit partition', async () => {
    const { bootstrap } = await startBroker({ numPartitions: 3 });
    const seen: number[] = [];
    const kafka = producer(bootstrap, {
      partitioner: ({ numPartitions }) => {
        seen.push(numPartitions);
        return numPartitions - 1;
      },
    });
    const metas = await within(Promise.all(['a', 'b', null].map((key) => kafka.send('custom', { key, value: 'v' }))), 5_000, 'not every send() resolved');
    expect(metas.map((meta) => meta.partition), 'the custom partitioner always answers numPartitions - 1').toEqual([2, 2, 2]);
    expect(seen, 'the partitioner is called once per record, with the topic\'s partition count').toEqual([3, 3, 3]);
  });

  test('task 6: a failed batch rejects exactly its own records', async () => {
    const { broker, bootstrap } = await startBroker({ numPartitions: 2, messageMaxBytes: 1_000 });
    const kafka = producer(bootstrap, { lingerMs: 60_000 });
    const small = Array.from({ length: 3 }, (_, i) => watch(kafka.send('mixed', { value: `small ${i}`, partition: 0 })));
    const large = Array.from({ length: 3 }, () => watch(kafka.send('mixed', { value: 'x'.repeat(400), partition: 1 })));
    await within(kafka.flush(), 5_000, 'flush() did not resolve');
    expect(broker.requestCount('produce'), `both batches travel in one produce request${rejection(...small)}`).toBe(1);
    expect(large.map((seen) => /MESSAGE_TOO_LARGE/.test(String(seen.error))), "partition 1's batch (1200 bytes) is refused: its three sends reject with MESSAGE_TOO_LARGE").toEqual([true, true, true]);
    expect(small.map((seen) => seen.value?.offset), "partition 0's batch is stored: its sends resolve with offsets 0, 1, 2").toEqual([0, 1, 2]);
  });

  test('task 6: close() sends what is pending, then later sends are refused', async () => {
    const { bootstrap } = await startBroker();
    const kafka = new KafkaProducer({ bootstrapServers: [bootstrap], lingerMs: 60_000 });
    const pending = watch(kafka.send('closing', { value: 'last words' }));
    await within(kafka.close(), 5_000, 'close() did not resolve');
    expect(pending.value?.offset, `close() flushes first: the pending record is sent (offset 0)${rejection(pending)}`).toBe(0);
    await expect(kafka.send('closing', { value: 'too late' }), 'send() after close() rejects').rejects.toThrow(/close/i);
  });

  test('task 6: metadata comes from the first bootstrap server that answers, once per topic', async () => {
    const { broker, bootstrap } = await startBroker({ numPartitions: 2 });
    const down = await startBroker();
    await down.broker.stop(); // its address now refuses connections
    const kafka = new KafkaProducer({ bootstrapServers: [down.bootstrap, bootstrap] });
    cleanup({ stop: () => kafka.close() });
    const metas = await within(
      Promise.all(Array.from({ length: 10 }, (_, i) => kafka.send('meta', { value: `${i}` }))),
      5_000,
      'the sends did not resolve: when a bootstrap server does not answer, try the next one',
    );
    expect(metas.map((meta) => meta.offset), 'offsets 0..9').toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(broker.requestCount('metadata'), 'ten sends to one topic need its metadata once').toBe(1);
  });
});
