// A cluster of broker processes for step tests (step 07 on): every broker a child process of its
// own (broker-process.ts), on a port picked free beforehand so each can be told every broker's
// address (the Broker's `cluster` option), each with its own temp data dir. A test kills a broker
// (kill -9 by default), restarts it on the same port with the same data, pauses and resumes it
// (SIGSTOP, SIGCONT: a broker that is alive but silent), and stops the lot.
//
//   const cluster = await startCluster(srcDirOfTest(import.meta.url), { brokers: 3, brokerOptions: { minInsyncReplicas: 2 } });
//   cluster.bootstrapServers            // ['127.0.0.1:41233', …]
//   await cluster.kill(2);              // SIGKILL, resolves once it has exited
//   await cluster.restart(2);           // same port, same data dir, same options
//   await cluster.stop();               // also done for you when the test ends, pass or fail
//
// From step 08 brokers learn each other from a controller: with `controller: true` a controller
// process starts first (the step's Controller, on a free port, with its own data dir), and every
// broker is given `controller: "host:port"` instead of `cluster`.
//
//   const cluster = await startCluster(srcDir, { brokers: 3, controller: true, controllerOptions: { brokerSessionTimeoutMs: 1500 } });
//   cluster.controller()                // { id: 0, host, port, pid, dataDir }
//   await cluster.killController();     // SIGKILL; the brokers run on without it
//   await cluster.restartController();  // same port, same metadata log
//   await cluster.pause(2);             // SIGSTOP: broker 2 stops answering and heartbeating
//   await cluster.resume(2);            // SIGCONT
import { onTestFinished } from 'vitest';
import { pickFreePorts } from '../ports.ts';
import type { Exit } from '../process/server-process.ts';
import { PortTakenError, startBrokerProcess, startControllerProcess, type BrokerProcess } from './broker-process.ts';
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

/** The controller process of a cluster started with `controller: true`. */
export interface ClusterController {
  /** Its node id: controllerOptions.id, or 0. */
  id: number;
  host: string;
  port: number;
  /** The pid of its current process (a new one after restartController). */
  pid: number;
  /** Where its metadata log lives. */
  dataDir: string;
}

export interface ClusterOptions {
  /** How many brokers; their ids are 1 to N (3). */
  brokers?: number;
  /**
   * Start a controller process first (step 08 on: the step's `Controller`) and give every broker
   * `controller: "host:port"` rather than `cluster` (false: brokers told the whole cluster, as in step 07).
   */
  controller?: boolean;
  /** More options for the controller (`brokerSessionTimeoutMs`, `leaderImbalanceCheckIntervalMs`, …); only with `controller: true`. */
  controllerOptions?: Record<string, unknown>;
  /** More options for every broker (`minInsyncReplicas`, `replicaLagTimeMaxMs`, …), or a function of the broker's id. */
  brokerOptions?: Record<string, unknown> | ((id: number) => Record<string, unknown>);
  /** The host every broker binds and is known by (127.0.0.1). */
  host?: string;
  /** Keep each broker's log lines (see process(id).stdout()). */
  log?: boolean;
  /**
   * Each process in a process group of its own, so that Ctrl-C in the terminal reaches only the
   * command that started them, which can then stop them itself (npm run chaos does, after its report).
   */
  ownProcessGroups?: boolean;
}

export type { Exit };

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
  /** Freezes the broker's process (SIGSTOP): it keeps its connections and port but answers nothing and sends nothing. */
  pause(id: number): Promise<void>;
  /** Lets a paused broker run on (SIGCONT). */
  resume(id: number): Promise<void>;
  isPaused(id: number): boolean;
  /** The controller (with `controller: true`; otherwise it throws). */
  controller(): ClusterController;
  /** The controller's current process: stderr(), stdout(), isRunning(), exited. */
  controllerProcess(): BrokerProcess;
  /** Sends the controller the signal (SIGKILL unless told) and resolves with how it ended. */
  killController(signal?: NodeJS.Signals): Promise<Exit>;
  /** Starts a stopped controller again: same port, same data dir (its metadata log), same options. */
  restartController(): Promise<ClusterController>;
  /** Kills every process it started (the controller too, paused ones too) and removes the data dirs. Safe to call twice. */
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
 * With `controller: true` a controller process `{ host, port, dataDir, ...controllerOptions }`
 * starts first, and each broker gets `controller: "host:port"` in place of `cluster`.
 * Inside a test, the cluster is stopped when the test ends; elsewhere (beforeAll), stop it yourself.
 */
export async function startCluster(srcDir: string, options: ClusterOptions = {}): Promise<ClusterProcess> {
  const count = options.brokers ?? 3;
  const host = options.host ?? '127.0.0.1';
  const withController = options.controller ?? false;
  const extra = (id: number) => (typeof options.brokerOptions === 'function' ? options.brokerOptions(id) : (options.brokerOptions ?? {}));
  const processOptions = { log: options.log ?? false, exitWithParent: true, readyMs: READY_MS, ownProcessGroup: options.ownProcessGroups ?? false };
  const dataDirs: string[] = [];
  const processes = new Map<number, BrokerProcess>();
  let brokers: ClusterBroker[] = [];
  let layout: Array<{ id: number; host: string; port: number }> = [];
  let controller: ClusterController | null = null;
  let controllerChild: BrokerProcess | null = null;
  const hostPort = (port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const optionsOf = (broker: ClusterBroker) => ({
    ...extra(broker.id),
    id: broker.id,
    host,
    port: broker.port,
    dataDir: broker.dataDir,
    // host:port as the step's parseHostPort reads it: an IPv6 host without brackets (its last colon ends it).
    ...(controller ? { controller: `${host}:${controller.port}` } : { cluster: layout }),
  });
  const controllerOptionsOf = (self: ClusterController) => ({ ...options.controllerOptions, id: self.id, host, port: self.port, dataDir: self.dataDir });
  const children = () => [...processes.values(), ...(controllerChild ? [controllerChild] : [])];

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.off('exit', killAllNow);
      // SIGKILL ends a process stopped by pause() too; nothing is left to resume.
      await Promise.all(children().map((child) => killAndWait(child, 'SIGKILL')));
      for (const dir of dataDirs) removeTempDir(dir);
    })();
    return stopped;
  };
  // If the test runner itself goes, the brokers go too (each also watches its stdin for that).
  const killAllNow = () => {
    for (const child of children()) child.kill('SIGKILL');
  };
  process.once('exit', killAllNow);
  try {
    onTestFinished(() => stop());
  } catch {
    // Not inside a test (a beforeAll): the caller stops the cluster.
  }

  try {
    for (let attempt = 1; ; attempt++) {
      const ports = await pickFreePorts(count + (withController ? 1 : 0), host);
      if (withController) {
        const id = (options.controllerOptions?.id as number | undefined) ?? 0;
        const dataDir: string = controller?.dataDir ?? makeTempDir('kfs-controller-');
        if (!controller) dataDirs.push(dataDir);
        controller = { id, host, port: ports.shift()!, pid: 0, dataDir };
      }
      brokers = ports.map((port, index) => {
        const dataDir = makeTempDir(`kfs-broker-${index + 1}-`);
        dataDirs.push(dataDir);
        return { id: index + 1, host, port, pid: 0, dataDir };
      });
      layout = brokers.map(({ id, port }) => ({ id, host, port }));
      const failures: unknown[] = [];
      if (controller) {
        // The controller first: brokers register with it before they serve.
        const self = controller;
        try {
          controllerChild = await startControllerProcess(srcDir, controllerOptionsOf(self), processOptions);
          self.pid = controllerChild.pid;
        } catch (error) {
          failures.push(error instanceof PortTakenError ? error : new ExpectationFailed(`the controller: ${(error as Error).message}`));
        }
      }
      if (failures.length === 0) {
        const started = await Promise.allSettled(
          brokers.map(async (broker) => {
            const child = await startBrokerProcess(srcDir, optionsOf(broker), processOptions).catch((error: unknown) => {
              throw error instanceof PortTakenError ? error : new ExpectationFailed(`broker ${broker.id} of ${count}: ${(error as Error).message}`);
            });
            processes.set(broker.id, child);
            broker.pid = child.pid;
          }),
        );
        failures.push(...started.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])));
      }
      if (failures.length === 0) break;
      // Start again from nothing: another process took a port between picking and binding it.
      await Promise.all(children().map((child) => killAndWait(child, 'SIGKILL')));
      processes.clear();
      controllerChild = null;
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
  const theController = (): ClusterController => {
    if (!controller) throw new ExpectationFailed('the cluster has no controller process: start it with startCluster(srcDir, { controller: true, … })');
    return controller;
  };
  /** Starts a process again on its old port, trying again briefly while anything still holds the port. */
  const again = async (name: string, port: number, start: () => Promise<BrokerProcess>): Promise<BrokerProcess> => {
    const started = Date.now();
    for (;;) {
      try {
        return await start();
      } catch (error) {
        if (!(error instanceof PortTakenError)) throw new ExpectationFailed(`restarting ${name}: ${(error as Error).message}`);
        if (Date.now() - started > RESTART_MS) throw new ExpectationFailed(`${name} could not listen on its port ${port} again within ${RESTART_MS} ms: it is taken`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const running = (id: number): BrokerProcess => {
    const child = processOf(id);
    if (!child.isRunning()) throw new ExpectationFailed(`broker ${id} is not running (it was killed or has exited)`);
    return child;
  };

  return {
    get brokers() {
      return brokers;
    },
    bootstrapServers: brokers.map(({ port }) => hostPort(port)),
    broker: brokerWith,
    process: processOf,
    isRunning: (id) => processOf(id).isRunning(),
    async kill(id, signal = 'SIGKILL') {
      return killAndWait(processOf(id), signal, `broker ${id}`);
    },
    async restart(id) {
      const broker = brokerWith(id);
      if (processOf(id).isRunning()) throw new ExpectationFailed(`broker ${id} is still running (pid ${broker.pid}${processOf(id).server.paused ? ', paused' : ''}): kill it before restarting it`);
      const child = await again(`broker ${id}`, broker.port, () => startBrokerProcess(srcDir, optionsOf(broker), processOptions));
      processes.set(id, child);
      broker.pid = child.pid;
      return broker;
    },
    async pause(id) {
      const { server } = running(id);
      if (server.paused) throw new ExpectationFailed(`broker ${id} is paused already`);
      server.pause();
    },
    async resume(id) {
      const { server } = running(id);
      if (!server.paused) throw new ExpectationFailed(`broker ${id} is not paused`);
      server.resume();
    },
    isPaused: (id) => processOf(id).server.paused,
    controller: theController,
    controllerProcess: () => {
      theController();
      return controllerChild!;
    },
    killController(signal = 'SIGKILL') {
      theController();
      return killAndWait(controllerChild!, signal, 'the controller');
    },
    async restartController() {
      const self = theController();
      if (controllerChild!.isRunning()) throw new ExpectationFailed(`the controller is still running (pid ${self.pid}): kill it before restarting it`);
      controllerChild = await again('the controller', self.port, () => startControllerProcess(srcDir, controllerOptionsOf(self), processOptions));
      self.pid = controllerChild.pid;
      return self;
    },
    stop,
  };
}

/** Signals the process (if it still runs; a paused one is woken to take it) and waits for it to exit. */
function killAndWait(child: BrokerProcess, signal: NodeJS.Signals, name = 'a broker'): Promise<Exit> {
  return within(child.server.kill(signal), EXIT_MS, `${name} (pid ${child.pid}) did not exit after ${signal}`);
}
