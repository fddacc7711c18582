// Brokers, producers and consumers for step 05's tests, and small helpers to read what came back.
import { Broker, Connection, KafkaConsumer, KafkaProducer, stringSerializer } from '../src/index.ts';
import type { ConsumerOptions, ConsumerRecord } from '../src/index.ts';
import { ExpectationFailed } from '#lib/testing/wait.ts';

export const WAIT_MS = 3_000;

type Register = <T extends { stop(): unknown } | { close(): unknown }>(item: T) => T;

/** A broker on a free port in `dataDir`, stopped after the test. */
export async function startBroker(cleanup: Register, dataDir: string, options: { numPartitions?: number; id?: number; connectionsMaxIdleMs?: number } = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, dataDir, ...options }));
  const { host, port } = await broker.start();
  return { broker, host, port, bootstrap: `${host}:${port}` };
}

/** A producer of strings that sends every record at once (each send is its own batch when awaited). */
export function producerFor(cleanup: Register, bootstrap: string): KafkaProducer {
  return cleanup(new KafkaProducer({ bootstrapServers: [bootstrap], valueSerializer: stringSerializer, keySerializer: stringSerializer, lingerMs: 0 }));
}

/** Sends the values one after the other (one batch each) and returns where each landed. */
export async function sendAll(producer: KafkaProducer, topic: string, values: string[], extra: { partition?: number; key?: (i: number) => string } = {}) {
  const sent = [];
  for (const [i, value] of values.entries()) {
    const record = { value, ...(extra.partition === undefined ? {} : { partition: extra.partition }), ...(extra.key ? { key: extra.key(i) } : {}) };
    sent.push({ value, ...(await producer.send(topic, record)) });
  }
  return sent;
}

/** A consumer of strings, closed after the test. */
export function consumerFor(cleanup: Register, bootstrap: string, topic: string | string[], options: Omit<ConsumerOptions<string | null, string | null>, 'bootstrapServers'> = {}) {
  return cleanup(
    new KafkaConsumer<string | null, string | null>(topic, {
      bootstrapServers: [bootstrap],
      keyDeserializer: (data) => data?.toString() ?? null,
      valueDeserializer: (data) => data?.toString() ?? null,
      ...options,
    }),
  );
}

/** A raw connection to the broker, to send fetch and listOffsets requests by hand. */
export function connectionTo(cleanup: Register, port: number): Connection {
  return cleanup(new Connection('127.0.0.1', port));
}

/**
 * The next `count` records the consumer hands out. Fails after `ms` saying how many arrived, or
 * as soon as the iteration ends or throws.
 */
export async function take<K, V>(consumer: KafkaConsumer<K, V>, count: number, ms = WAIT_MS, what = `${count} records`): Promise<Array<ConsumerRecord<K, V>>> {
  const got: Array<ConsumerRecord<K, V>> = [];
  const iterator = consumer[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const reading = (async () => {
    while (got.length < count) {
      const next = await iterator.next();
      if (next.done) throw new ExpectationFailed(`expected ${what}, but the iteration ended after ${describe(got)}`);
      got.push(next.value);
    }
    return got;
  })();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExpectationFailed(`expected ${what} within ${ms} ms, got ${describe(got)}`)), ms);
  });
  reading.catch(() => {}); // reported through the race below, or not at all once the deadline failed the test
  try {
    return await Promise.race([reading, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** "3 records: numtest-0@0, numtest-0@1, numtest-1@0" */
export function describe(records: Array<{ topic: string; partition: number; offset: number }>): string {
  if (records.length === 0) return 'no records';
  const shown = records.slice(0, 12).map((record) => `${record.topic}-${record.partition}@${record.offset}`);
  return `${records.length} record(s): ${shown.join(', ')}${records.length > 12 ? ', …' : ''}`;
}

export const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
export const values = (prefix: string, count: number) => range(0, count).map((i) => `${prefix}${i}`);
