// The accumulator on its own: no network. Fake timers stand in for the clock, so "5 ms later"
// is a call to vi.advanceTimersByTime(5), not a wait.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ProducerBatch, RecordAccumulator, type SerializedRecord } from '../src/index.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function record(bytes: number, timestamp = 1_700_000_000_000): SerializedRecord {
  return { key: null, value: Buffer.alloc(bytes, 'x'), timestamp, headers: [] };
}

/** An accumulator whose sender only records what it was given. */
function accumulator(options: { batchSize?: number; lingerMs?: number }) {
  const sends: ProducerBatch[][] = [];
  const acc = new RecordAccumulator({ ...options, send: (batches) => sends.push(batches) });
  return { acc, sends, batches: () => sends.flat() };
}

/** Settles a promise's outcome into a plain value we can compare. */
function outcome<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: Error } = {};
  promise.then((value) => (seen.value = value)).catch((error: Error) => (seen.error = error));
  return seen;
}

describe('task 4: the record accumulator', () => {
  test('task 4: records wait lingerMs after the first one of their batch, then travel together', async () => {
    const { acc, sends } = accumulator({ lingerMs: 5 });
    for (let i = 0; i < 3; i++) void acc.append('t', 0, record(10));
    vi.advanceTimersByTime(4);
    expect(sends.length, 'nothing should be sent before lingerMs (5 ms) have passed since the first record').toBe(0);
    void acc.append('t', 0, record(10));
    vi.advanceTimersByTime(1);
    expect(sends.length, 'lingerMs after its first record the batch should be handed to the sender').toBe(1);
    expect(sends[0]!.map((batch) => batch.records.length), 'one batch with the 4 records').toEqual([4]);
  });

  test('task 4: a batch that reaches batchSize goes at once, without waiting lingerMs', () => {
    const { acc, sends } = accumulator({ batchSize: 30, lingerMs: 60_000 });
    void acc.append('t', 0, record(10));
    void acc.append('t', 0, record(10));
    expect(sends.length, '20 of 30 bytes: the batch should still be open').toBe(0);
    void acc.append('t', 0, record(10));
    expect(sends.length, '30 of 30 bytes: the batch is full and should go now, not after lingerMs (60 s)').toBe(1);
    expect(sends[0]![0]!.records.length, 'the full batch holds the 3 records').toBe(3);
  });

  test('task 4: a record that does not fit sends the open batch and starts the next one', () => {
    const { acc, batches } = accumulator({ batchSize: 25, lingerMs: 60_000 });
    for (let i = 0; i < 5; i++) void acc.append('t', 0, record(10));
    expect(
      batches().map((batch) => batch.records.length),
      'with batchSize 25, the 3rd 10-byte record does not fit: a batch of 2 goes, the next starts',
    ).toEqual([2, 2]);
    expect(acc.waiting, 'the 5th record waits in the open batch').toBe(1);
  });

  test('task 4: each partition has its own batch', () => {
    const { acc, batches } = accumulator({ lingerMs: 5 });
    void acc.append('t', 0, record(1));
    void acc.append('t', 1, record(1));
    void acc.append('u', 0, record(1));
    void acc.append('t', 0, record(1));
    vi.advanceTimersByTime(5);
    const got = batches().map((batch) => `${batch.topic}-${batch.partition}:${batch.records.length}`).sort();
    expect(got, 'batches by topic-partition:record count').toEqual(['t-0:2', 't-1:1', 'u-0:1']);
  });

  test('task 4: when a batch completes, each record gets its offset (base offset + its position)', async () => {
    const { acc, batches } = accumulator({ lingerMs: 5 });
    const sends = [record(1, 1000), record(1, 1001), record(1, 1002)].map((r) => acc.append('t', 2, r));
    vi.advanceTimersByTime(5);
    expect(batches().length, 'one batch should have been handed to the sender').toBe(1);
    batches()[0]!.complete(40);
    expect(await Promise.all(sends), 'each send resolves with { topic, partition, offset, timestamp }').toEqual([
      { topic: 't', partition: 2, offset: 40, timestamp: 1000 },
      { topic: 't', partition: 2, offset: 41, timestamp: 1001 },
      { topic: 't', partition: 2, offset: 42, timestamp: 1002 },
    ]);
  });

  test('task 4: a failed batch rejects exactly its own records', async () => {
    const { acc, batches } = accumulator({ lingerMs: 5 });
    const onZero = [acc.append('t', 0, record(1)), acc.append('t', 0, record(1))].map(outcome);
    const onOne = [acc.append('t', 1, record(1)), acc.append('t', 1, record(1))].map(outcome);
    vi.advanceTimersByTime(5);
    const byPartition = new Map(batches().map((batch) => [batch.partition, batch]));
    const error = new Error('NOT_LEADER_OR_FOLLOWER');
    byPartition.get(1)!.fail(error);
    byPartition.get(0)!.complete(0);
    await vi.runAllTimersAsync();
    expect(onOne.map((seen) => seen.error?.message), "partition 1's batch failed: both its sends reject with its error").toEqual([
      'NOT_LEADER_OR_FOLLOWER',
      'NOT_LEADER_OR_FOLLOWER',
    ]);
    expect(onZero.map((seen) => seen.value?.offset), "partition 0's batch succeeded: its sends resolve (offsets 0 and 1)").toEqual([0, 1]);
  });

  test('task 4: flush() sends every open batch now and resolves when all have their answer', async () => {
    const { acc, sends } = accumulator({ lingerMs: 60_000 });
    const sent = [acc.append('t', 0, record(1)), acc.append('t', 1, record(1))];
    const flushed = outcome(acc.flush().then(() => 'flushed'));
    expect(sends.length, 'flush() should hand every open batch to the sender at once, in one call').toBe(1);
    expect(sends[0]!.length, 'that call carries both partitions\' batches').toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.value, 'flush() must not resolve before the batches have their answers').toBeUndefined();
    for (const batch of sends[0]!) batch.complete(7);
    await Promise.all(sent);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.value, 'flush() should resolve once every batch has completed').toBe('flushed');
  });

  test('task 4: flush() also waits for batches already sent but not yet answered', async () => {
    const { acc, sends } = accumulator({ batchSize: 1, lingerMs: 60_000 });
    const sent = outcome(acc.append('t', 0, record(5))); // bigger than batchSize: it goes at once
    expect(sends.length, 'a record bigger than batchSize goes at once, alone in its batch').toBe(1);
    const flushed = outcome(acc.flush().then(() => 'flushed'));
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.value, 'the batch in flight has no answer yet: flush() must wait for it').toBeUndefined();
    sends[0]![0]!.fail(new Error('broker gone'));
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.value, 'flush() resolves once the batch in flight settled (even when it failed)').toBe('flushed');
    expect(sent.error?.message, 'and the send of the failed batch rejects with its error').toBe('broker gone');
  });
});
