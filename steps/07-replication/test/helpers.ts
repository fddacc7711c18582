// Clusters of brokers in this process, raw requests and a few readers for step 07's tests.
// (The tests that kill a broker with SIGKILL run real processes: see kill.test.ts.)
import path from 'node:path';
import { Broker, Connection, KafkaAdmin, KafkaProducer, stringSerializer } from '../src/index.ts';
import type { BrokerInfo, BrokerOptions, FetchResponse, ProducerOptions } from '../src/index.ts';
import { ExpectationFailed, waitFor } from '#lib/testing/wait.ts';
import { isPortTaken, pickFreePorts } from '#lib/ports.ts';

export const WAIT_MS = 5_000;

type Register = <T extends { stop(): unknown } | { close(): unknown }>(item: T) => T;

/** Quick settings for tests: followers answer within 100 ms when idle, and retry a lost leader after 50 ms. */
export const FAST: BrokerOptions = { replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 50, groupInitialRebalanceDelayMs: 0 };

/**
 * `count` brokers with ids 1..count, each knowing the others, in this process. A broker's port
 * must be known before any starts (each is in the others' cluster list), so free ports are
 * picked first; if one was taken in between, the whole cluster starts again on new ones.
 */
export async function startCluster(cleanup: Register, dataDir: string, count: number, options: BrokerOptions = {}) {
  for (let attempt = 1; ; attempt++) {
    const ports = await pickFreePorts(count);
    const cluster: BrokerInfo[] = ports.map((port, i) => ({ id: i + 1, host: '127.0.0.1', port }));
    const make = (id: number) => new Broker({ id, host: '127.0.0.1', port: cluster[id - 1]!.port, dataDir: path.join(dataDir, `broker-${id}`), cluster, ...FAST, ...options });
    const brokers = cluster.map(({ id }) => make(id));
    try {
      await Promise.all(brokers.map((broker) => broker.start()));
    } catch (error) {
      await Promise.all(brokers.map((broker) => broker.stop().catch(() => {})));
      if (isPortTaken(error) && attempt < 5) continue;
      throw error;
    }
    const live = new Map(brokers.map((broker) => [broker.id, broker]));
    const handle = {
      cluster,
      bootstrap: cluster.map(({ host, port }) => `${host}:${port}`),
      broker(id: number): Broker {
        const broker = live.get(id);
        if (!broker) throw new ExpectationFailed(`broker ${id} is stopped`);
        return broker;
      },
      async stopBroker(id: number) {
        await live.get(id)?.stop();
        live.delete(id);
      },
      /** Starts a stopped broker again: same id, port and data dir. */
      async restart(id: number): Promise<Broker> {
        await live.get(id)?.stop();
        const broker = make(id);
        await broker.start();
        live.set(id, broker);
        return broker;
      },
      async stop() {
        await Promise.all([...live.values()].map((broker) => broker.stop()));
        live.clear();
      },
    };
    return cleanup(handle);
  }
}

export type TestCluster = Awaited<ReturnType<typeof startCluster>>;

/** Creates a topic through the first broker. */
export async function createTopic(cleanup: Register, cluster: TestCluster, topic: string, options: { partitions: number; replicationFactor: number; configs?: Record<string, string> }) {
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrap }));
  await admin.createTopic(topic, options);
  return admin;
}

/** A partition's leader, replicas and ISR, as broker `askId` answers a metadata request. */
export async function layoutOf(cleanup: Register, cluster: TestCluster, topic: string, partition: number, askId = 1) {
  const { topics } = await connectTo(cleanup, cluster, askId).request({ type: 'metadata', topics: [topic] });
  const found = topics[0]?.partitions[partition];
  if (!found) throw new ExpectationFailed(`broker ${askId} knows no partition ${partition} of "${topic}"`);
  return found;
}

/** The partition of `topic` (of `partitions`) that broker `leaderId` leads; the placement spreads leaders evenly. */
export async function partitionLedBy(cleanup: Register, cluster: TestCluster, topic: string, partitions: number, leaderId: number, askId = leaderId): Promise<number> {
  for (let p = 0; p < partitions; p++) if ((await layoutOf(cleanup, cluster, topic, p, askId)).leader === leaderId) return p;
  throw new ExpectationFailed(`broker ${leaderId} leads no partition of "${topic}": the ${partitions} leaders should be spread over the brokers (task 1)`);
}

/** A producer of strings with the given acks. */
export function producerFor(cleanup: Register, cluster: TestCluster, options: Partial<ProducerOptions> = {}) {
  return cleanup(new KafkaProducer({ bootstrapServers: cluster.bootstrap, valueSerializer: stringSerializer, keySerializer: stringSerializer, lingerMs: 0, ...options }));
}

/** One produce request over a raw connection: values as strings, acks and timeout as given. */
export async function rawProduce(connection: Connection, topic: string, partition: number, values: string[], acks = 1, timeoutMs = 5_000) {
  const records = values.map((value) => ({ key: null, value: Buffer.from(value).toString('base64'), timestamp: Date.now(), headers: [] }));
  const { results } = await connection.request({ type: 'produce', acks, timeoutMs, batches: [{ topic, partition, records }] });
  return results[0]!;
}

/** A consumer's fetch (or a follower's, with `replicaId`), answered at once. */
export async function rawFetch(connection: Connection, topic: string, partition: number, offset: number, replicaId = -1): Promise<FetchResponse['partitions'][number]> {
  const response = await connection.request({ type: 'fetch', replicaId, maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, partitions: [{ topic, partition, offset }] });
  return response.partitions[0]!;
}

/** The values of what a consumer's fetch returned. */
export function valuesOf(fetched: FetchResponse['partitions'][number]): string[] {
  if (fetched.error) throw new ExpectationFailed(`the fetch of ${fetched.topic}-${fetched.partition} failed: ${fetched.error.code}: ${fetched.error.message}`);
  return fetched.records.map((record) => Buffer.from(record.value ?? '', 'base64').toString());
}

/** A connection to one broker of the cluster, closed after the test. */
export function connectTo(cleanup: Register, cluster: TestCluster, id: number): Connection {
  const { host, port } = cluster.cluster[id - 1]!;
  return cleanup(new Connection(host, port));
}

/** Waits until broker `leaderId`'s partition has exactly this ISR. */
export async function waitForIsr(cluster: TestCluster, topic: string, partition: number, leaderId: number, isr: number[], ms = WAIT_MS) {
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b).join(',');
  await waitFor(
    () => sorted(cluster.broker(leaderId).partition(topic, partition)?.isr ?? []) === sorted(isr),
    ms,
    `expected the ISR of ${topic}-${partition} on its leader (broker ${leaderId}) to become [${sorted(isr)}]; it is [${sorted(cluster.broker(leaderId).partition(topic, partition)?.isr ?? [])}]` +
      ' (leaving the ISR is task 4, coming back task 3, followers fetching task 5)',
  );
}

/** The same promise, marked handled: if the test fails before awaiting it, its rejection is no extra error. */
export function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
