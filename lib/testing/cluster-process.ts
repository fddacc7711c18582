// A cluster of broker processes for step tests (step 07 on): every broker a child process of its
// own (broker-process.ts), on a port picked free beforehand so each can be told every broker's
// address (the Broker's `cluster` option), each with its own temp data dir. A test kills a broker
// (kill -9 by default), restarts it on the same port with the same data, and stops the lot.
//
//   const cluster = await startCluster(srcDirOfTest(import.meta.url), { brokers: 3, brokerOptions: { minInsyncReplicas: 2 } });
//   cluster.bootstrapServers            // ['127.0.0.1:41233', …]
//   await cluster.kill(2);              // SIGKILL, resolves once it has exited
//   await cluster.restart(2);           // same port, same data dir, same options
//   await cluster.stop();               // also done for you when the test ends, pass or fail
import { onTestFinished } from 'vitest';
import { pickFreePorts } from '../ports.ts';
import { PortTakenError, startBrokerProcess, type BrokerProcess } from './broker-process.ts';
import { makeTempDir, removeTempDir } from './temp-dir.ts';
import { ExpectationFailed, within } from './wait.ts';

export interface ClusterBroker {
  id: number;
  host: string;
  port: number;
  /** The pid of its current process (a new one after restart). */
  pid: number;
  dataDir: string;
}

export interface ClusterOptions {
  /** How many brokers; their ids are 1 to N (3). */
  brokers?: number;
  /** More options for every broker (`minInsyncReplicas`, `replicaLagTimeMaxMs`, …), or a function of the broker's id. */
  brokerOptions?: Record<string, unknown> | ((id: number) => Record<string, unknown>);
  /** The host every broker binds and is known by (127.0.0.1). */
  host?: string;
  /** Keep each broker's log lines (see process(id).stdout()). */
  log?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ClusterProcess {
  /** The brokers in id order; pid changes when one is restarted. */
  readonly brokers: readonly ClusterBroker[];
  /** "host:port" of every broker, for bootstrapServers. */
  readonly bootstrapServers: string[];
  broker(id: number): ClusterBroker;
  /** The broker's current process: stderr(), stdout(), isRunning(), exited. */
  process(id: number): BrokerProcess;
  isRunning(id: number): boolean;
  /** Sends the signal (SIGKILL unless told) and resolves with how the process ended. */
  kill(id: number, signal?: NodeJS.Signals): Promise<Exit>;
  /** Starts a stopped broker again: same port, same data dir, same options. */
  restart(id: number): Promise<ClusterBroker>;
  /** Kills every broker process it started and removes the data dirs. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts tried with fresh ports when another process took a picked one in between. */
const START_ATTEMPTS = 5;
/** How long brokers starting side by side may take to listen (loading TypeScript on a busy machine). */
const READY_MS = 30_000;
const EXIT_MS = 10_000;
const RESTART_MS = 10_000;

/**
 * Starts `brokers` broker processes of `srcDir` (a step's src/, as srcDirOfTest gives it), each
 * given `{ id, host, port, dataDir, cluster, ...brokerOptions }`, and resolves once all listen.
 * Inside a test, the cluster is stopped when the test ends; elsewhere (beforeAll), stop it yourself.
 */
export async function startCluster(srcDir: string, options: ClusterOptions = {}): Promise<ClusterProcess> {
  const count = options.brokers ?? 3;
  const host = options.host ?? '127.0.0.1';
  const extra = (id: number) => (typeof options.brokerOptions === 'function' ? options.brokerOptions(id) : (options.brokerOptions ?? {}));
  const processOptions = { log: options.log ?? false, exitWithParent: true, readyMs: READY_MS };
  const dataDirs: string[] = [];
  const processes = new Map<number, BrokerProcess>();
  let brokers: ClusterBroker[] = [];
  let layout: Array<{ id: number; host: string; port: number }> = [];
  const optionsOf = (broker: ClusterBroker) => ({ ...extra(broker.id), id: broker.id, host, port: broker.port, dataDir: broker.dataDir, cluster: layout });

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off('exit', killAllNow);
      await Promise.all([...processes.values()].map((broker) => killAndWait(broker, 'SIGKILL')));
      for (const dir of dataDirs) removeTempDir(dir);
    })();
    return stopped;
  };
  // If the test runner itself goes, the brokers go too (each also watches its stdin for that).
  const killAllNow = () => {
    for (const broker of processes.values()) broker.kill('SIGKILL');
  };
  process.once('exit', killAllNow);
  try {
    onTestFinished(() => stop());
  } catch {
    // Not inside a test (a beforeAll): the caller stops the cluster.
  }

  try {
    for (let attempt = 1; ; attempt++) {
      const ports = await pickFreePorts(count, host);
      brokers = ports.map((port, index) => {
        const dataDir = makeTempDir(`kfs-broker-${index + 1}-`);
        dataDirs.push(dataDir);
        return { id: index + 1, host, port, pid: 0, dataDir };
      });
      layout = brokers.map(({ id, port }) => ({ id, host, port }));
      const started = await Promise.allSettled(
        brokers.map(async (broker) => {
          const child = await startBrokerProcess(srcDir, optionsOf(broker), processOptions).catch((error: unknown) => {
            throw error instanceof PortTakenError ? error : new ExpectationFailed(`broker ${broker.id} of ${count}: ${(error as Error).message}`);
          });
          processes.set(broker.id, child);
          broker.pid = child.pid;
        }),
      );
      const failures = started.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
      if (failures.length === 0) break;
      // Start again from nothing: another process took a port between picking and binding it.
      await Promise.all([...processes.values()].map((broker) => killAndWait(broker, 'SIGKILL')));
      processes.clear();
      const other = failures.find((failure) => !(failure instanceof PortTakenError));
      if (other || attempt === START_ATTEMPTS) throw other ?? failures[0];
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const brokerWith = (id: number): ClusterBroker => {
    const broker = brokers.find((candidate) => candidate.id === id);
    if (!broker) throw new ExpectationFailed(`the cluster has no broker ${id}; its brokers are ${brokers.map((known) => known.id).join(', ')}`);
    return broker;
  };
  const processOf = (id: number): BrokerProcess => {
    brokerWith(id);
    return processes.get(id)!;
  };

  return {
    get brokers() {
      return brokers;
    },
    bootstrapServers: brokers.map(({ port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`),
    broker: brokerWith,
    process: processOf,
    isRunning: (id) => processOf(id).isRunning(),
    kill: (id, signal = 'SIGKILL') => killAndWait(processOf(id), signal, `broker ${id}`),
    async restart(id) {
      const broker = brokerWith(id);
      if (processOf(id).isRunning()) throw new ExpectationFailed(`broker ${id} is still running (pid ${broker.pid}): kill it before restarting it`);
      // The port was this broker's a moment ago; should anything hold it still, try again briefly.
      const started = Date.now();
      for (;;) {
        try {
          const child = await startBrokerProcess(srcDir, optionsOf(broker), processOptions);
          processes.set(id, child);
          broker.pid = child.pid;
          return broker;
        } catch (error) {
          if (!(error instanceof PortTakenError)) throw new ExpectationFailed(`restarting broker ${id}: ${(error as Error).message}`);
          if (Date.now() - started > RESTART_MS) throw new ExpectationFailed(`broker ${id} could not listen on its port ${broker.port} again within ${RESTART_MS} ms: it is taken`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    stop,
  };
}

/** Signals the process (if it still runs) and waits for it to exit. */
async function killAndWait(broker: BrokerProcess, signal: NodeJS.Signals, name = 'a broker'): Promise<Exit> {
  broker.kill(signal);
  return within(broker.exited, EXIT_MS, `${name} (pid ${broker.pid}) did not exit after ${signal}`);
}
