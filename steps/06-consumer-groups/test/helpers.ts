// Brokers, clients, raw group members and background readers for step 06's tests.
import { Broker, Connection, KafkaAdmin, KafkaConsumer, KafkaProducer, decodeAssignment, encodeSubscription, stringSerializer } from '../src/index.ts';
import type { BrokerOptions, ConsumerOptions, ConsumerRecord, JoinGroupResponse, OffsetFetchResponse, SyncGroupResponse } from '../src/index.ts';
import { ExpectationFailed, waitFor } from '#lib/testing/wait.ts';

export const WAIT_MS = 5_000;

type Register = <T extends { stop(): unknown } | { close(): unknown }>(item: T) => T;

/**
 * A broker on a free port in `dataDir`, stopped after the test. Groups form at once (no initial
 * rebalance delay) and accept short sessions, so tests need not wait Kafka's seconds.
 */
export async function startBroker(cleanup: Register, dataDir: string, options: BrokerOptions = {}) {
  const broker = cleanup(new Broker({ host: '127.0.0.1', port: 0, dataDir, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 10, ...options }));
  const { host, port } = await broker.start();
  return { broker, host, port, bootstrap: `${host}:${port}` };
}

/** A broker with topic `numtest` of `partitions` partitions, and a producer of strings. */
export async function setup(cleanup: Register, dataDir: string, partitions = 4, topic = 'numtest') {
  const started = await startBroker(cleanup, dataDir);
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: [started.bootstrap] }));
  await admin.createTopic(topic, { partitions });
  const producer = cleanup(new KafkaProducer({ bootstrapServers: [started.bootstrap], valueSerializer: stringSerializer, keySerializer: stringSerializer, lingerMs: 0 }));
  return { ...started, admin, producer };
}

/** Sends `count` records named `${prefix}${i}`, record i to partition i % partitions. */
export async function produce(producer: KafkaProducer, topic: string, prefix: string, count: number, partitions: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const value = `${prefix}${i}`;
    await producer.send(topic, { value, partition: i % partitions });
    sent.push(value);
  }
  return sent;
}

/** Fast group settings: heartbeats every 50 ms, short fetch waits, reading from the start. */
export const FAST_GROUP = {
  autoOffsetReset: 'earliest',
  heartbeatIntervalMs: 50,
  sessionTimeoutMs: 3_000,
  maxPollIntervalMs: 5_000,
  fetchMaxWaitMs: 100,
} as const;

/** What each consumer made by groupConsumer logged, for troubleLogged. */
const logs = new WeakMap<object, string[]>();

/** A consumer of strings in `groupId`, closed after the test. What it logs is kept for troubleLogged. */
export function groupConsumer(cleanup: Register, bootstrap: string, topic: string | string[], groupId: string, options: Omit<ConsumerOptions<string | null, string | null>, 'bootstrapServers'> = {}) {
  const lines: string[] = [];
  const consumer = cleanup(
    new KafkaConsumer<string | null, string | null>(topic, {
      bootstrapServers: [bootstrap],
      groupId,
      ...FAST_GROUP,
      keyDeserializer: (data) => data?.toString() ?? null,
      valueDeserializer: (data) => data?.toString() ?? null,
      log: (line) => lines.push(line),
      ...options,
    }),
  );
  logs.set(consumer, lines);
  return consumer;
}

/** Every line the consumer logged so far. */
export function loggedLines(consumer: KafkaConsumer<string | null, string | null>): string[] {
  return [...(logs.get(consumer) ?? [])];
}

/**
 * What went wrong inside a consumer without ending its loop, as it logged it (a commit that
 * failed, a leave that could not be sent), one line each after "; it logged:", or '' when
 * nothing did. A failing test adds it to its message: it is often the reason, a TODO included.
 */
export function troubleLogged(consumer: KafkaConsumer<string | null, string | null>): string {
  const trouble = [...new Set((logs.get(consumer) ?? []).filter((line) => /\bfailed\b|could not|TODO\(/i.test(line)))];
  return trouble.length === 0 ? '' : `; it logged:\n${trouble.slice(0, 3).map((line) => `  ${line}`).join('\n')}`;
}

/**
 * Iterates a consumer in the background, as an application's `for await` loop would, keeping
 * every record it hands out. A consumer only takes part in rebalances while it is iterated.
 */
export function readInBackground(consumer: KafkaConsumer<string | null, string | null>, name: string) {
  const records: Array<ConsumerRecord<string | null, string | null>> = [];
  let failure: Error | null = null;
  const done = (async () => {
    for await (const record of consumer) records.push(record);
  })().catch((error: unknown) => {
    failure = error as Error;
  });
  return {
    name,
    consumer,
    records,
    done,
    values: () => records.map((record) => record.value),
    /** The error that ended the loop, if one did. */
    failure: () => failure,
    /** The partitions this consumer owns now, as "numtest-0". */
    owns: () => consumer.assignment().map(({ topic, partition }) => `${topic}-${partition}`).sort(),
    /** Fails the test with `what` unless `condition` becomes true while the loop still runs. */
    async until(condition: () => boolean, what: string, ms = WAIT_MS) {
      await waitFor(() => {
        if (failure) throw new ExpectationFailed(`${name}'s for-await loop failed while waiting for ${what}: ${failure.message}`);
        return condition();
      }, ms, () => `${name}: ${what}; it owns [${consumer.assignment().map(({ topic, partition }) => `${topic}-${partition}`).join(', ')}] and got ${records.length} record(s)${troubleLogged(consumer)}`);
    },
  };
}

/** Waits until the readers' assignments together cover `expected` partitions, each owned once. */
export async function waitForSplit(readers: Array<ReturnType<typeof readInBackground>>, expected: string[], ms = WAIT_MS): Promise<void> {
  const describe = () => readers.map((reader) => `${reader.name} owns [${reader.owns().join(', ')}]${troubleLogged(reader.consumer)}`).join('; ');
  await waitFor(
    () => {
      for (const reader of readers) {
        const failure = reader.failure();
        if (failure) throw new ExpectationFailed(`${reader.name}'s for-await loop failed: ${failure.message}`);
      }
      const owned = readers.flatMap((reader) => reader.owns()).sort();
      return readers.every((reader) => reader.owns().length > 0) && JSON.stringify(owned) === JSON.stringify([...expected].sort());
    },
    ms,
    () => `expected ${readers.length} members to split ${expected.join(', ')} among them, each partition owned once and each member owning some; now ${describe()}`,
  );
}

export const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/**
 * A group member driven by hand over its own connection: join, sync, heartbeat, commit, leave,
 * each one request as the coordinator sees it. Each member needs its own connection because a
 * broker answers one connection's requests in order, and a join may wait for the others.
 */
export class RawMember {
  readonly connection: Connection;
  memberId = '';
  generationId = -1;

  constructor(
    cleanup: Register,
    port: number,
    readonly groupId: string,
    readonly options: { topics?: string[]; protocols?: string[]; sessionTimeoutMs?: number; rebalanceTimeoutMs?: number } = {},
  ) {
    this.connection = cleanup(new Connection('127.0.0.1', port));
  }

  async join(): Promise<JoinGroupResponse> {
    const metadata = encodeSubscription({ topics: this.options.topics ?? ['numtest'] });
    const response = await this.connection.request({
      type: 'joinGroup',
      groupId: this.groupId,
      memberId: this.memberId,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: this.options.rebalanceTimeoutMs ?? 10_000,
      protocolType: 'consumer',
      protocols: (this.options.protocols ?? ['range']).map((name) => ({ name, metadata })),
    });
    this.memberId = response.memberId;
    this.generationId = response.generationId;
    return response;
  }

  /** syncGroup; the leader passes each member's partitions. Resolves with this member's own. */
  async sync(assignments: Record<string, Array<{ topic: string; partition: number }>> = {}) {
    const entries = Object.entries(assignments).map(([memberId, partitions]) => ({ memberId, assignment: Buffer.from(JSON.stringify({ partitions })).toString('base64') }));
    const response = await this.connection.request({ type: 'syncGroup', groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, assignments: entries });
    return decodeAssignment(response.assignment).partitions;
  }

  heartbeat(generationId = this.generationId) {
    return this.connection.request({ type: 'heartbeat', groupId: this.groupId, generationId, memberId: this.memberId });
  }

  commit(offsets: Array<{ topic: string; partition: number; offset: number }>, generationId = this.generationId) {
    return this.connection.request({ type: 'offsetCommit', groupId: this.groupId, generationId, memberId: this.memberId, offsets });
  }

  leave() {
    return this.connection.request({ type: 'leaveGroup', groupId: this.groupId, memberId: this.memberId });
  }
}

/** The committed offset of each partition (-1 for none), asked over a connection of its own. */
export async function committedOffsets(cleanup: Register, port: number, groupId: string, partitions: Array<{ topic: string; partition: number }>): Promise<number[]> {
  const connection = cleanup(new Connection('127.0.0.1', port));
  const response = await connection.request({ type: 'offsetFetch', groupId, partitions });
  return response.partitions.map((partition) => partition.offset);
}

/** The same promise, marked handled: if the test fails before awaiting it, its rejection is no extra error. */
export function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** The error code a request was refused with, or "no error". */
export async function errorCodeOf(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return 'no error';
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (message.includes('TODO(')) throw error;
    return code ?? message;
  }
}

/** The broker-side view of a group's members and their partitions, as "numtest-0". */
export function membersOf(broker: Broker, groupId: string): Array<{ memberId: string; partitions: string[] }> {
  return broker.describeGroup(groupId).members.map(({ memberId, assignment }) => ({
    memberId,
    partitions: decodeAssignment(assignment).partitions.map(({ topic, partition }) => `${topic}-${partition}`),
  }));
}
