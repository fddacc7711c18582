// A controller and brokers in this process, raw requests and readers for step 08's tests.
// (Killing with SIGKILL and pausing with SIGSTOP need real processes: see failover.test.ts.)
import path from 'node:path';
import { Broker, Connection, Controller, KafkaAdmin, KafkaProducer, stringSerializer } from '../src/index.ts';
import type { BrokerOptions, ControllerOptions, FetchResponse, PartitionState, ProducerOptions } from '../src/index.ts';
import { ExpectationFailed, waitFor } from '#lib/testing/wait.ts';

export const WAIT_MS = 5_000;

type Register = <T extends { stop(): unknown } | { close(): unknown }>(item: T) => T;

/** Quick settings for tests: heartbeats every 100 ms, a broker fenced after 1.5 s of silence (a busy machine's pauses stay well under it), fast fetches. */
export const FAST_BROKER: BrokerOptions = { brokerHeartbeatIntervalMs: 100, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 50, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 10 };
export const FAST_CONTROLLER: Partial<ControllerOptions> = { brokerSessionTimeoutMs: 1_500 };

/** A controller and `count` brokers (ids 1..count) on free ports, in this process. */
export async function startCluster(cleanup: Register, dataDir: string, count: number, { broker = {}, controller = {} }: { broker?: BrokerOptions; controller?: Partial<ControllerOptions> } = {}) {
  const theController = new Controller({ port: 0, dataDir: path.join(dataDir, 'controller'), ...FAST_CONTROLLER, ...controller });
  const { host, port } = await theController.start();
  const controllerAddress = `${host}:${port}`;
  const ports = new Map<number, number>();
  const make = (id: number) => new Broker({ id, host: '127.0.0.1', port: ports.get(id) ?? 0, dataDir: path.join(dataDir, `broker-${id}`), controller: controllerAddress, ...FAST_BROKER, ...broker });
  const live = new Map<number, Broker>();
  const handle = {
    controller: theController,
    controllerAddress,
    bootstrap: [] as string[],
    broker(id: number): Broker {
      const found = live.get(id);
      if (!found) throw new ExpectationFailed(`broker ${id} is stopped`);
      return found;
    },
    async startBroker(id: number): Promise<Broker> {
      const started = make(id);
      const address = await started.start();
      ports.set(id, address.port);
      live.set(id, started);
      return started;
    },
    async stopBroker(id: number) {
      await live.get(id)?.stop();
      live.delete(id);
    },
    /** The port broker `id` listens on (the same after a restart). */
    port(id: number): number {
      const port = ports.get(id);
      if (port === undefined) throw new ExpectationFailed(`broker ${id} never started`);
      return port;
    },
    /** The partition's state as the controller has it. */
    state(topic: string, partition: number): PartitionState {
      const state = theController.metadata.partition(topic, partition);
      if (!state) throw new ExpectationFailed(`the controller knows no partition ${topic}-${partition}`);
      return state;
    },
    async stop() {
      await Promise.all([...live.values()].map((started) => started.stop()));
      live.clear();
      await theController.stop();
    },
  };
  cleanup(handle);
  for (let id = 1; id <= count; id++) await handle.startBroker(id);
  handle.bootstrap = [...ports.values()].map((p) => `127.0.0.1:${p}`);
  return handle;
}

export type TestCluster = Awaited<ReturnType<typeof startCluster>>;

export async function createTopic(cleanup: Register, cluster: TestCluster, topic: string, options: { partitions: number; replicationFactor: number; configs?: Record<string, string> }) {
  const admin = cleanup(new KafkaAdmin({ bootstrapServers: cluster.bootstrap }));
  await admin.createTopic(topic, options);
}

/** Waits until the controller's state of a partition passes `check`; the failure says what it is instead. */
export async function waitForState(cluster: TestCluster, topic: string, partition: number, check: (state: PartitionState) => boolean, what: string, ms = WAIT_MS) {
  await waitFor(() => check(cluster.state(topic, partition)), ms, `${what}; the controller has ${topic}-${partition} as ${JSON.stringify(cluster.state(topic, partition))}`);
}

/** A connection to one broker (or to the controller with id 0), closed after the test. */
export function connectTo(cleanup: Register, cluster: TestCluster, id: number): Connection {
  if (id === 0) {
    const [host, port] = cluster.controllerAddress.split(':');
    return cleanup(new Connection(host!, Number(port)));
  }
  return cleanup(new Connection('127.0.0.1', cluster.port(id)));
}

export function producerFor(cleanup: Register, cluster: TestCluster, options: Partial<ProducerOptions> = {}) {
  return cleanup(new KafkaProducer({ bootstrapServers: cluster.bootstrap, valueSerializer: stringSerializer, keySerializer: stringSerializer, lingerMs: 0, ...options }));
}

/** One produce request over a raw connection to one broker. */
export async function rawProduce(connection: Connection, topic: string, partition: number, values: string[], acks = 1, timeoutMs = 5_000) {
  const records = values.map((value) => ({ key: null, value: Buffer.from(value).toString('base64'), timestamp: Date.now(), headers: [] }));
  const { results } = await connection.request({ type: 'produce', acks, timeoutMs, batches: [{ topic, partition, records }] });
  return results[0]!;
}

/** A consumer's fetch, answered at once. */
export async function rawFetch(connection: Connection, topic: string, partition: number, offset: number): Promise<FetchResponse['partitions'][number]> {
  const response = await connection.request({ type: 'fetch', maxWaitMs: 0, minBytes: 0, maxBytes: 1_048_576, partitions: [{ topic, partition, offset }] });
  return response.partitions[0]!;
}

export function valuesOf(fetched: FetchResponse['partitions'][number]): string[] {
  if (fetched.error) throw new ExpectationFailed(`the fetch of ${fetched.topic}-${fetched.partition} failed: ${fetched.error.code}: ${fetched.error.message}`);
  return fetched.records.map((record) => Buffer.from(record.value ?? '', 'base64').toString());
}

export function quietly<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
