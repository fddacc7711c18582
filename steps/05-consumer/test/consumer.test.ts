import { describe, expect, test } from 'vitest';
import { DeserializationError, KafkaAdmin, KafkaConsumer, jsonDeserializer } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { ExpectationFailed, waitFor, within } from '#lib/testing/wait.ts';
import { WAIT_MS, consumerFor, describe as describeRecords, producerFor, range, sendAll, startBroker, take, values } from './helpers.ts';

// Registered first, so its afterEach runs last: brokers stop before their folders go.
const tempDir = useTempDirs('kfs-step05-consumer-');
const cleanup = useCleanup();

/**
 * Watches a consumer's loop that a test awaits later. failedBefore(what) throws, naming the loop's
 * error (a TODO stub's, say), once the loop has failed: a wait for what it would have done can stop.
 */
function failureOf(loop: Promise<unknown>) {
  let failure: Error | null = null;
  loop.catch((error: unknown) => {
    failure = error as Error;
  });
  return {
    failedBefore(what: string): false {
      if (failure) throw new ExpectationFailed(`the consumer's for-await loop failed before ${what}: ${(failure as Error).message}`);
      return false;
    },
  };
}

async function setup(partitions = 1) {
  const started = await startBroker(cleanup, tempDir());
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: [started.bootstrap] }));
  await admin.createTopic('numtest', { partitions });
  return { ...started, producer: producerFor(cleanup, started.bootstrap) };
}

describe('task 4: positions and offset reset', () => {
  test('task 4: with autoOffsetReset "earliest" a new consumer starts at the first offset of each partition', async () => {
    const { bootstrap, producer } = await setup(2);
    await sendAll(producer, 'numtest', values('a', 3), { partition: 0 });
    await sendAll(producer, 'numtest', values('b', 1), { partition: 1 });
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest' });
    const positions = [await consumer.position({ topic: 'numtest', partition: 0 }), await consumer.position({ topic: 'numtest', partition: 1 })];
    expect(positions, 'earliest: each partition starts at its log start offset, 0').toEqual([0, 0]);
  });

  test('task 4: with autoOffsetReset "latest" (the default) a new consumer starts at the end of each partition', async () => {
    const { bootstrap, producer } = await setup(2);
    await sendAll(producer, 'numtest', values('old', 3), { partition: 0 });
    await sendAll(producer, 'numtest', values('old', 2), { partition: 1 });
    const consumer = consumerFor(cleanup, bootstrap, 'numtest');
    const positions = [await consumer.position({ topic: 'numtest', partition: 0 }), await consumer.position({ topic: 'numtest', partition: 1 })];
    expect(positions, 'latest: each partition starts at its log end offset (3 and 2), not at 0').toEqual([3, 2]);
  });

});

describe('task 5: fetching and iteration', () => {
  test('task 5: from earliest, every record of a multi-partition topic arrives, in order within each partition', async () => {
    const { bootstrap, producer } = await setup(3);
    const sent = await sendAll(producer, 'numtest', values('n', 30), { key: (i) => `key-${i % 7}` });
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest' });
    const got = await take(consumer, 30, WAIT_MS, 'all 30 records');
    for (const partition of [0, 1, 2]) {
      const expected = sent.filter((meta) => meta.partition === partition);
      const received = got.filter((record) => record.partition === partition);
      expect(received.map((record) => record.offset), `partition ${partition}: expected offsets ${range(0, expected.length).join(',')} in order`).toEqual(range(0, expected.length));
      expect(received.map((record) => record.value), `partition ${partition}: each offset holds the value produced there`).toEqual(expected.map((meta) => meta.value));
    }
    const keys = new Set(got.map((record) => record.key));
    expect(keys.size, 'keys come back too (keyDeserializer)').toBe(7);
    expect(got.every((record) => record.topic === 'numtest' && typeof record.timestamp === 'number' && Array.isArray(record.headers)), 'each message has topic, partition, offset, key, value, timestamp and headers').toBe(true);
  });

  test('task 5: a waiting consumer gets a new record at once, holding one fetch open instead of asking again and again', async () => {
    const { broker, bootstrap, producer } = await setup(1);
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { fetchMaxWaitMs: 10_000 });
    // Its deadline is the later one: the wait for a first fetch says so when there is none.
    const next = take(consumer, 1, 2 * WAIT_MS, 'the record produced while the consumer waited');
    const loop = failureOf(next); // next is awaited below; an early failure ends the wait for a fetch
    await waitFor(() => loop.failedBefore('it sent a fetch') || broker.requestCount('fetch') >= 1, WAIT_MS, 'the consumer never sent a fetch');
    await sendAll(producer, 'numtest', ['hello']);
    const [record] = await next;
    expect(record?.value).toBe('hello');
    const fetches = broker.requestCount('fetch');
    expect(fetches, `the consumer sent ${fetches} fetch requests while waiting: with long polling one fetch waits at the broker until the record arrives`).toBeLessThanOrEqual(2);
  });

  test('task 5: two consumers both get every record (reading does not remove anything)', async () => {
    const { bootstrap, producer } = await setup(2);
    await sendAll(producer, 'numtest', values('x', 10), { key: (i) => `k${i}` });
    const first = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest' });
    const second = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest' });
    const [a, b] = await Promise.all([take(first, 10, WAIT_MS, '10 records in the first consumer'), take(second, 10, WAIT_MS, '10 records in the second consumer')]);
    const sorted = (records: typeof a) => records.map((record) => record.value).sort();
    expect(sorted(a), 'the first consumer sees all ten').toEqual(values('x', 10).sort());
    expect(sorted(b), 'and so does the second').toEqual(values('x', 10).sort());
  });

  test('task 5: consumerTimeoutMs ends the loop when nothing arrives for that long', async () => {
    const { bootstrap, producer } = await setup(1);
    await sendAll(producer, 'numtest', values('a', 3));
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest', consumerTimeoutMs: 200 });
    const seen: string[] = [];
    await within(
      (async () => {
        for await (const message of consumer) seen.push(message.value ?? '');
      })(),
      WAIT_MS,
      () => `the for-await loop did not end 200 ms after the last record (it saw ${seen.length})`,
    );
    expect(seen, 'the loop hands out the three records, then ends').toEqual(['a0', 'a1', 'a2']);
  });

  test('task 5: close() ends a loop that is waiting for records', async () => {
    const { broker, bootstrap } = await setup(1);
    const consumer = consumerFor(cleanup, bootstrap, 'numtest');
    const loop = (async () => {
      for await (const _ of consumer) void _;
    })();
    const failure = failureOf(loop); // loop is awaited below; an early failure ends the wait for a fetch
    await waitFor(() => failure.failedBefore('it sent a fetch') || broker.requestCount('fetch') >= 1, WAIT_MS, 'the consumer never sent a fetch');
    await consumer.close();
    await within(loop, WAIT_MS, 'the for-await loop kept going after close()');
  });

  test('task 5: deserializers turn bytes back into values, and a bad record says where it is', async () => {
    const { bootstrap, producer } = await setup(1);
    await sendAll(producer, 'numtest', ['{"number": 0}', 'not json']);
    const consumer = cleanup(new KafkaConsumer('numtest', { bootstrapServers: [bootstrap], autoOffsetReset: 'earliest', valueDeserializer: jsonDeserializer }));
    const [first] = await take(consumer, 1);
    expect(first?.value, 'jsonDeserializer gives back the object').toEqual({ number: 0 });
    const failure = await take(consumer, 1).then(() => null, (error: unknown) => error);
    expect(failure, 'a value the deserializer cannot read stops the iteration with a DeserializationError').toBeInstanceOf(DeserializationError);
    expect((failure as Error).message, 'the error names the partition and offset').toMatch(/numtest-0.*offset 1/);
    expect(await consumer.position({ topic: 'numtest', partition: 0 }), 'the position stays on the bad record (seek past it to go on)').toBe(1);
  });

  test('task 5: a "latest" consumer sees only the records produced after it started', async () => {
    const { bootstrap, producer } = await setup(2);
    await sendAll(producer, 'numtest', values('old', 3), { partition: 0 });
    await sendAll(producer, 'numtest', values('old', 2), { partition: 1 });
    const consumer = consumerFor(cleanup, bootstrap, 'numtest');
    await consumer.position({ topic: 'numtest', partition: 1 }); // positions are taken now, before the new record
    await sendAll(producer, 'numtest', ['new'], { partition: 1 });
    const [first] = await take(consumer, 1);
    expect(first?.value, `the only record a "latest" consumer should see is the one produced after it started; got ${first?.value} at ${first?.topic}-${first?.partition}@${first?.offset}`).toBe('new');
    expect(first?.offset).toBe(2);
  });


  test('task 5: seek() moves a partition\'s position, and position() follows what was handed out', async () => {
    const { bootstrap, producer } = await setup(1);
    await sendAll(producer, 'numtest', values('a', 6));
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest' });
    consumer.seek({ topic: 'numtest', partition: 0 }, 3);
    expect(await consumer.position({ topic: 'numtest', partition: 0 }), 'after seek(…, 3) the position is 3').toBe(3);
    const got = await take(consumer, 2);
    expect(got.map((record) => record.offset), 'reading starts at the offset sought').toEqual([3, 4]);
    expect(await consumer.position({ topic: 'numtest', partition: 0 }), 'after handing out offsets 3 and 4 the position is 5: the next record to hand out').toBe(5);
  });

  test('task 5: a position outside the log is reset with autoOffsetReset', async () => {
    const { bootstrap, producer } = await setup(1);
    await sendAll(producer, 'numtest', values('a', 4));
    const lines: string[] = [];
    const consumer = consumerFor(cleanup, bootstrap, 'numtest', { autoOffsetReset: 'earliest', log: (line) => lines.push(line) });
    consumer.seek({ topic: 'numtest', partition: 0 }, 100);
    const got = await take(consumer, 4, WAIT_MS, 'the 4 records from offset 0 after the reset');
    expect(got.map((record) => record.offset), 'offset 100 is past the end (4): OFFSET_OUT_OF_RANGE, so the consumer resets to earliest and reads 0..3').toEqual([0, 1, 2, 3]);
    expect(lines.join('\n'), 'the consumer says that it reset the position (through its log option)').toMatch(/out of range/i);
  });
});
