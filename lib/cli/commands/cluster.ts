// `npm run cluster -- --brokers 3 --topics test-topic:5:2 [--base-port 9092|0] [--data-dir DIR]
// [--step NN|--mine] [broker flags]`: a cluster like the introductions' docker compose file, as
// real processes. Broker N has id N, port base+N-1 and its data in DIR/broker-N, and is told
// every broker's address (--cluster); it is `npm run broker` started directly (node, not npm), so
// the pid printed is the broker's own and `kill -9 <pid>` kills that broker. From step 08 brokers
// learn each other from a controller instead: `npm run controller` starts first (on
// --controller-port, base-1 by default, its data in DIR/controller), and every broker is told its
// address (--controller). Each log line is prefixed with the process it comes from; Ctrl-C stops
// them all, the brokers first. With --dashboard it also serves the cluster view (lib/dashboard)
// on 127.0.0.1, whose buttons kill (-9), pause (SIGSTOP/SIGCONT) and restart the brokers it started.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../paths.ts';
import { PORT_TAKEN_EXIT_CODE, pickFreePorts } from '../../ports.ts';
import { listSteps } from '../../steps.ts';
import { arrives, has, STEP_BRINGS } from '../../step-features.ts';
import { sourceFlags, type SourceChoice } from '../choose-source.ts';
import { UserError, colour } from '../output.ts';
import { BROKER_FLAGS, CONTROLLER_ONLY_FLAGS, chooseCode, parseBrokerFlags, type BrokerFlag, type ClusterMember } from './broker.ts';
import { CONTROLLER_FLAGS } from './controller.ts';
import type { ProcessState } from '../../dashboard/poller.ts';
import type { Controls } from '../../dashboard/server.ts';

const MAIN = path.join(ROOT, 'lib', 'cli', 'main.ts');
/** How long all brokers together (and the controller before them) may take to get ready: loading TypeScript is slow on a small machine. */
const START_DEADLINE_MS = 60_000;
/** How long a broker has to stop after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** Starts tried with fresh free ports when one was taken in between (--base-port 0). */
const START_ATTEMPTS = 5;
const LAST_STDERR_LINES = 12;

const CLUSTER_FLAGS: readonly BrokerFlag[] = [
  { flag: '--brokers', option: 'brokers', kind: 'int', min: 1, max: 99, since: 1, help: 'how many brokers (3); their ids are 1 to N' },
  { flag: '--topics', option: 'topics', kind: 'string', since: STEP_BRINGS.log, help: 'topics to create once all listen: name:partitions:replication,… (test-topic:5:2)' },
  { flag: '--base-port', option: 'basePort', kind: 'int', min: 0, max: 65_535, since: 1, help: "broker 1's port, one more for each next broker (9092); 0 picks free ports" },
  { flag: '--data-dir', option: 'dataDir', kind: 'string', since: 1, help: 'broker N keeps its data in DIR/broker-N (a fresh temp dir)' },
  { flag: '--host', option: 'host', kind: 'string', since: 1, help: 'the address every broker binds and is known by (127.0.0.1)' },
  { flag: '--controller-port', option: 'controllerPort', kind: 'int', min: 0, max: 65_535, since: STEP_BRINGS.controller, help: "the controller's port (step 08 on; base-port - 1, 9091; with --base-port 0 a free one)" },
];
/** Broker flags the cluster sets itself, differently for each broker. */
const SET_PER_BROKER = ['--id', '--port', '--cluster', '--controller'];
/** Broker flags given to every broker as they are. */
const PASSED_THROUGH = BROKER_FLAGS.filter((flag) => !SET_PER_BROKER.includes(flag.flag) && !CLUSTER_FLAGS.some((own) => own.flag === flag.flag));

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
}

/** "test-topic:5:2,other:1:3" (partitions and replication default to 1); a UserError names a bad entry. */
export function parseTopics(text: string): TopicSpec[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^([^:\s]+)(?::(\d+))?(?::(\d+))?$/.exec(entry);
      const spec = match && { name: match[1]!, partitions: Number(match[2] ?? 1), replicationFactor: Number(match[3] ?? 1) };
      if (!spec || spec.partitions < 1 || spec.replicationFactor < 1) {
        throw new UserError(`--topics: "${entry}" is not name:partitions:replication with whole numbers of at least 1 (for example test-topic:5:2).`);
      }
      return spec;
    });
}

export function clusterUsage(): string {
  const flags = [...CLUSTER_FLAGS, ...PASSED_THROUGH];
  const width = Math.max(...flags.map((flag) => flag.flag.length)) + 4;
  const line = (flag: BrokerFlag) => `  ${`${flag.flag} ${flag.kind === 'int' ? 'N' : 'S'}`.padEnd(width)}${flag.help}`;
  return [
    'npm run cluster -- [flags]: N broker processes that know each other (from step 08 through a controller process); Ctrl-C stops them all.',
    '',
    ...CLUSTER_FLAGS.map(line),
    `  ${'--step NN'.padEnd(width)}run step NN's reference (default: the newest step's)`,
    `  ${'--mine'.padEnd(width)}run your own code (the latest step you have edited, or --step NN)`,
    `  ${'--dashboard'.padEnd(width)}serve the cluster view in the browser, with kill/pause/restart buttons (step 05 on)`,
    `  ${'--dashboard-port N'.padEnd(width)}its port on 127.0.0.1 (a free one)`,
    '',
    "Given to every broker (see npm run broker -- --help), and from step 08 the controller's settings to the controller:",
    ...PASSED_THROUGH.map(line),
    '',
    'Example: npm run cluster -- --brokers 3 --topics test-topic:5:2 --min-insync-replicas 2',
  ].join('\n');
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One process of the cluster: a broker, or from step 08 the controller. */
interface Member extends ClusterMember {
  /** "broker 2", "controller 0": its name in the listing and in the prefix of its lines. */
  name: string;
  dataDir: string;
  child: ChildProcess;
  pid: number;
  lastStderr: string[];
  /** The arguments it was started with: a restart starts it again with the same (port, data dir). */
  args: string[];
  /** Stopped with SIGSTOP from the dashboard, not yet continued. */
  paused: boolean;
  /** Whether it has said it is ready (its start() has resolved), and a promise of that. */
  listens: boolean;
  listening: Promise<void>;
  exited: Promise<Exit>;
  exit: Exit | null;
}

export async function clusterCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(clusterUsage());
    return 0;
  }
  const dashboardWanted = takeDashboardFlags(args);
  const source = sourceFlags(dashboardWanted.rest);
  for (const arg of source.rest) {
    const flag = SET_PER_BROKER.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (flag) throw new UserError(`npm run cluster sets ${flag} for each broker itself (ids 1 to N, ports from --base-port, --cluster listing them all or --controller naming the controller); leave it out.`);
  }
  const { options, given } = parseBrokerFlags(source.rest, [...CLUSTER_FLAGS, ...PASSED_THROUGH], 'npm run cluster');
  const count = (options.brokers as number | undefined) ?? 3;
  const basePort = (options.basePort as number | undefined) ?? 9092;
  const host = (options.host as string | undefined) ?? '127.0.0.1';
  const topics = options.topics === undefined ? [] : parseTopics(options.topics as string);
  if (basePort !== 0 && basePort + count - 1 > 65_535) throw new UserError(`--base-port ${basePort} leaves no room for ${count} brokers below port 65536.`);
  const passed = given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag)).flatMap(({ flag, value }) => [flag, value]);

  const choice = chooseCode({ file: 'index.ts', what: 'broker', arrives: 'step 01' }, source);
  const step = choice.step;
  const stepNumber = String(step.number).padStart(2, '0');
  // From step 08 a controller process comes first, and the brokers are told where it is.
  const withController = has(step.number, 'controller');
  const givenControllerPort = options.controllerPort as number | undefined;
  // undefined: a free port, picked with the brokers' (--controller-port 0, or --base-port 0 without it).
  const fixedControllerPort = withController && givenControllerPort !== 0 ? (givenControllerPort ?? (basePort === 0 ? undefined : basePort - 1)) : undefined;
  const freeControllerPort = withController && fixedControllerPort === undefined;
  if (fixedControllerPort !== undefined) {
    if (fixedControllerPort < 1) throw new UserError(`--base-port ${basePort} leaves no port below it for the controller: give it one with --controller-port.`);
    if (basePort !== 0 && fixedControllerPort >= basePort && fixedControllerPort < basePort + count) {
      throw new UserError(`--controller-port ${fixedControllerPort} is one of the brokers' ports (${basePort} to ${basePort + count - 1}); pick another.`);
    }
  }
  // The controller's own settings go to the controller alone; the ones both use (num.partitions, …) to both.
  const controllerPassed = given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag) && CONTROLLER_FLAGS.some((known) => known.flag === flag)).flatMap(({ flag, value }) => [flag, value]);
  // Kafka's offsets.topic.replication.factor, 3, would keep the groups of a smaller cluster waiting
  // for brokers that never come (KIP-115); a compose file for fewer brokers lowers it the same way.
  const offsetsCopies = withController && options.offsetsTopicReplicationFactor === undefined && count < 3 ? count : undefined;
  if (offsetsCopies !== undefined) controllerPassed.push('--offsets-topic-replication-factor', String(offsetsCopies));
  const brokerPassed = withController ? given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag) && !CONTROLLER_ONLY_FLAGS.includes(flag)).flatMap(({ flag, value }) => [flag, value]) : passed;
  for (const topic of topics) {
    if (has(step.number, 'replication') && topic.replicationFactor > count) {
      throw new UserError(`--topics: ${topic.name} wants ${topic.replicationFactor} replicas, but the cluster has ${count} broker(s); each replica needs a broker of its own.`);
    }
  }

  const madeDataDir = options.dataDir === undefined;
  const dataRoot = madeDataDir ? fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-cluster-')) : path.resolve(options.dataDir as string);
  fs.mkdirSync(dataRoot, { recursive: true });
  const shownSrc = path.relative(process.cwd(), path.dirname(choice.file)) || '.';
  console.log(colour.dim(`Starting ${withController ? 'a controller and ' : ''}${count} broker(s) of ${shownSrc}${choice.mine ? '' : ' (the reference; --mine runs yours)'}, data in ${dataRoot}`));
  if (offsetsCopies !== undefined) {
    console.log(colour.dim(`With ${count} broker(s), __consumer_offsets gets ${offsetsCopies} cop${offsetsCopies === 1 ? 'y' : 'ies'} (--offsets-topic-replication-factor ${offsetsCopies}): Kafka's 3 would keep consumer groups waiting for brokers that never come.`));
  }
  if (!has(step.number, 'replication') && count > 1) {
    console.log(colour.yellow(`Note: step ${stepNumber}'s brokers do not replicate yet (step 07 brings that): each runs on its own, and a topic lives on the broker that created it.`));
  }
  for (const flag of [...PASSED_THROUGH, ...CLUSTER_FLAGS].filter((known) => known.since > step.number && known.flag !== '--topics' && options[known.option] !== undefined)) {
    console.log(colour.yellow(`Note: step ${stepNumber}'s broker has no ${flag.option} option (it arrives in step ${String(flag.since).padStart(2, '0')}), so ${flag.flag} changes nothing.`));
  }

  // Stopping: on Ctrl-C or SIGTERM, every broker gets SIGTERM, then SIGKILL after a grace period,
  // and the controller after them; a second Ctrl-C kills at once. The terminal sends Ctrl-C's
  // SIGINT to them as well (they share its process group); they take the SIGTERM that follows as
  // the same request.
  let controller: Member | null = null;
  let members: Member[] = [];
  /** Every process, the controller first. */
  const everyone = () => [...(controller ? [controller] : []), ...members];
  let stopping = false;
  let stopped: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    stopping = true;
    stopped ??= Promise.all(members.map((member) => stopMember(member)))
      .then(() => controller && stopMember(controller))
      .then(() => {});
    return stopped;
  };
  let interrupted = false;
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const signalledOnce = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const again = interrupted;
      interrupted = true;
      signalled(signal);
      if (again) {
        if (signal === 'SIGINT') {
          console.error(colour.red(`Killing every ${controller ? 'process' : 'broker'} now.`));
          for (const member of everyone()) if (!member.exit) member.child.kill('SIGKILL');
        }
        return;
      }
      const left = members.filter((member) => !member.exit).length;
      console.log(colour.dim(`\nStopping ${left} broker(s)${controller && !controller.exit ? ' and the controller' : ''}…`));
      void stopAll();
    });
  }

  // Start them all, the controller first; with --base-port 0 a port picked free may have been
  // taken in between, and the whole start is tried again with fresh ports.
  const attempts = basePort === 0 || freeControllerPort ? START_ATTEMPTS : 1;
  /** Resolves once every one of `group` is ready, or with what went wrong first (a member that exited). */
  const ready = (group: Member[]) =>
    Promise.race([
      Promise.all(group.map((member) => member.listening)).then(() => 'ready' as const),
      ...everyone().map((member) => member.exited.then(() => member)),
      signalledOnce.then(() => 'signalled' as const),
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), START_DEADLINE_MS).unref()),
    ]);
  for (let attempt = 1; ; attempt++) {
    const free = (basePort === 0 ? count : 0) + (freeControllerPort ? 1 : 0);
    const picked = free > 0 ? await pickFreePorts(free, host) : [];
    const ports = basePort === 0 ? picked.slice(0, count) : Array.from({ length: count }, (_, i) => basePort + i);
    const layout = ports.map((port, i) => ({ id: i + 1, host, port }));
    let outcome: Awaited<ReturnType<typeof ready>> = 'ready';
    if (withController) {
      const self = { id: 0, host, port: fixedControllerPort ?? picked.at(-1)! };
      controller = spawnMember({ ...self, name: 'controller 0' }, path.join(dataRoot, 'controller'), controllerArgs(self, path.join(dataRoot, 'controller'), choice, host, controllerPassed));
      outcome = await ready([controller]);
    }
    if (outcome === 'ready') {
      const controllerAddress = controller ? `${controller.host}:${controller.port}` : undefined;
      members = layout.map((member) => {
        const dataDir = path.join(dataRoot, `broker-${member.id}`);
        return spawnMember({ ...member, name: `broker ${member.id}` }, dataDir, brokerArgs(member, layout, controllerAddress, dataDir, choice, brokerPassed));
      });
      outcome = await ready(members);
    }
    if (outcome === 'ready') break;
    await stopAll();
    // Told to stop while starting: whatever else happened meanwhile (a broker that took the same
    // Ctrl-C and exited first) is no failure.
    if (outcome === 'signalled' || interrupted) return 0;
    if (outcome === 'late') {
      const late = everyone().filter((member) => !member.listens).map((member) => member.name);
      console.error(colour.red(`${late.join(', ')}: not ready within ${START_DEADLINE_MS / 1000} s; every process is stopped.`));
      return 1;
    }
    const picking = outcome === controller ? freeControllerPort : basePort === 0;
    if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && picking && attempt < attempts) {
      console.log(colour.yellow(`Port ${outcome.port} was taken between picking it and binding it; starting again with other free ports.`));
      stopping = false;
      stopped = null;
      controller = null;
      members = [];
      continue;
    }
    reportDeath(outcome, 'before it was ready');
    if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && outcome === controller) {
      console.error(`The controller needs port ${outcome.port}. Pick another with --controller-port${basePort === 0 ? '' : ', or --base-port 0 for free ones'}.`);
    } else if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && basePort !== 0) {
      console.error(`The cluster needs ports ${basePort} to ${basePort + count - 1}. Pick others with --base-port, or --base-port 0 for free ones.`);
    }
    console.error(colour.red('Every other process is stopped.'));
    return 1;
  }

  console.log(colour.bold(`\nCluster of ${count} broker(s)${controller ? ' and a controller' : ''} is up:`));
  for (const member of everyone()) {
    console.log(`  ${member.name}  ${address(member)}  pid ${member.pid}  ${member.dataDir}`);
  }
  const bootstrap = members.map(address);
  await createTopics(choice, topics, bootstrap, stepNumber);
  // kcat arrives in step 05; it runs the newest step's unless told which.
  const kcatFlags = choice.mine ? ` --mine --step ${stepNumber}` : step.number === listSteps().at(-1)?.number ? '' : ` --step ${stepNumber}`;
  if (has(step.number, 'consumer')) console.log(`\nkcat: npm run kcat --${kcatFlags} -b ${bootstrap[0]} -L`);

  // Running: say when a broker dies (its exit, its last words on stderr); stop when told to, or,
  // without a dashboard (which can restart them), when no broker is left.
  let allGone: () => void = () => {};
  const gone = new Promise<'all gone'>((resolve) => (allGone = () => resolve('all gone')));
  const watch = (member: Member) =>
    void member.exited.then(() => {
      if (!stopping) reportDeath(member, '');
      if (members.every((other) => other.exit)) allGone();
    });
  for (const member of everyone()) watch(member);

  let dashboard: { url: string; stop(): Promise<void> } | null = null;
  if (dashboardWanted.on) {
    const { startClusterDashboard } = await import('../../dashboard/dashboard.ts');
    if (!has(step.number, 'consumer')) {
      console.log(colour.yellow(`Note: the dashboard works from ${arrives('consumer')} on; step ${stepNumber} has no metadata to show, so --dashboard starts none.`));
    } else {
      const state = (member: Member): ProcessState => ({
        id: member.id,
        host: member.host,
        port: member.port,
        pid: member.pid,
        state: member.exit ? 'exited' : member.paused ? 'paused' : member.listens ? 'running' : 'starting',
        detail: member.exit ? `its process exited (${member.exit.signal ?? `code ${member.exit.code}`})` : member.listens ? 'running' : 'starting',
      });
      const find = (id: number) => {
        const member = members.find((candidate) => candidate.id === id);
        if (!member) throw new Error(`There is no broker ${id} in this cluster.`);
        return member;
      };
      const restarting = new Set<number>();
      const controls: Controls = {
        async kill(id) {
          const member = find(id);
          if (member.exit) throw new Error(`Broker ${id} is not running.`);
          member.child.kill('SIGKILL');
          await member.exited;
          member.paused = false;
          return `kill -9 broker ${id} (pid ${member.pid})`;
        },
        async pause(id) {
          const member = find(id);
          if (member.exit) throw new Error(`Broker ${id} is not running.`);
          member.child.kill('SIGSTOP');
          member.paused = true;
          return `Paused broker ${id} (SIGSTOP to pid ${member.pid})`;
        },
        async resume(id) {
          const member = find(id);
          if (member.exit) throw new Error(`Broker ${id} is not running.`);
          member.child.kill('SIGCONT');
          member.paused = false;
          return `Resumed broker ${id} (SIGCONT to pid ${member.pid})`;
        },
        async restart(id) {
          const old = find(id);
          if (restarting.has(id)) throw new Error(`Broker ${id} is already restarting.`);
          restarting.add(id);
          try {
            if (!old.exit) await stopMember(old);
            const fresh = spawnMember({ id: old.id, host: old.host, port: old.port, name: old.name }, old.dataDir, old.args);
            members = members.map((member) => (member === old ? fresh : member));
            watch(fresh);
            const outcome = await Promise.race([fresh.listening.then(() => 'ready' as const), fresh.exited.then(() => 'exited' as const)]);
            if (outcome === 'exited') throw new Error(`Broker ${id} exited while starting again; the cluster's log says why.`);
            console.log(`  ${fresh.name}  ${address(fresh)}  pid ${fresh.pid}  ${fresh.dataDir}  (restarted from the dashboard)`);
            return `Restarted broker ${id} (pid ${fresh.pid}, same port and data dir)`;
          } finally {
            restarting.delete(id);
          }
        },
      };
      dashboard = await startClusterDashboard({
        choice,
        bootstrap: members.map((member) => ({ host: member.host, port: member.port })),
        controller: controller ? { id: controller.id, host: controller.host, port: controller.port } : null,
        port: dashboardWanted.port,
        processes: () => ({ brokers: members.map(state), controller: controller ? state(controller) : null }),
        controls,
      });
      console.log(`\nDashboard: ${colour.bold(dashboard.url)}`);
    }
  }
  console.log(colour.dim(`Bootstrap servers: ${bootstrap.join(',')}. Ctrl-C stops the cluster.\n`));

  const end = await Promise.race(dashboard ? [signalledOnce] : [signalledOnce, gone]);
  if (end === 'all gone' && !stopping) {
    console.error(colour.red('Every broker has exited; the cluster is gone.'));
    return 1;
  }
  await dashboard?.stop();
  await stopAll();
  console.log(colour.dim(`Stopped. The data stays in ${dataRoot}${madeDataDir ? '' : ' (start again with the same --data-dir to carry on)'}.`));
  return 0;
}

function address(member: ClusterMember): string {
  return `${member.host.includes(':') ? `[${member.host}]` : member.host}:${member.port}`;
}

const COLOURS = [colour.cyan, colour.magenta, colour.yellow, colour.green, colour.blue, colour.red];

/** `npm run broker`'s arguments for broker `member.id`: told every broker (--cluster), or from step 08 the controller (--controller). */
function brokerArgs(member: ClusterMember, layout: ClusterMember[], controller: string | undefined, dataDir: string, choice: SourceChoice, passed: string[]): string[] {
  return [
    'broker', '--step', choice.step.name, ...(choice.mine ? ['--mine'] : []),
    '--id', String(member.id), '--host', member.host, '--port', String(member.port), '--data-dir', dataDir,
    ...(controller ? ['--controller', controller] : ['--cluster', layout.map((other) => `${other.id}@${address(other)}`).join(',')]),
    ...passed,
  ];
}

/** `npm run controller`'s arguments. */
function controllerArgs(self: ClusterMember, dataDir: string, choice: SourceChoice, host: string, passed: string[]): string[] {
  return ['controller', '--step', choice.step.name, ...(choice.mine ? ['--mine'] : []), '--id', String(self.id), '--host', host, '--port', String(self.port), '--data-dir', dataDir, ...passed];
}

/** Starts a broker or the controller as a process of its own (`npm run broker` or `npm run controller`, without npm in between). */
function spawnMember(member: ClusterMember & { name: string }, dataDir: string, args: string[]): Member {
  // stdin is a pipe that the process watches (KFS_BROKER_CHILD): if this process dies without
  // stopping it, even by SIGKILL, the pipe closes and it stops on its own. It leaves its notes and
  // advice to this process, which says them once for all, and says on the IPC channel when its
  // start() has resolved (a step-08 broker logs that it listens before it has registered).
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, KFS_BROKER_CHILD: '1' },
  });
  // "[broker 2]", "[controller]" (there is one).
  const isBroker = member.name.startsWith('broker');
  const prefix = isBroker ? COLOURS[(member.id - 1) % COLOURS.length]!(`[${member.name}]`) : colour.bold('[controller]');
  const lastStderr: string[] = [];
  let heard: () => void = () => {};
  const listening = new Promise<void>((resolve) => (heard = resolve));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const self: Member = { ...member, dataDir, child, pid: child.pid ?? -1, lastStderr, args, paused: false, listens: false, listening, exited, exit: null };
  void exited.then((exit) => (self.exit = exit));
  child.stdin!.on('error', () => {}); // the process has gone; its exit says why
  child.on('message', (message: { ready?: number }) => {
    if (!self.listens && message?.ready !== undefined) {
      self.listens = true;
      heard();
    }
  });
  lines(child.stdout!, process.stdout, prefix, () => {});
  lines(child.stderr!, process.stderr, prefix, (line) => {
    lastStderr.push(line);
    if (lastStderr.length > LAST_STDERR_LINES) lastStderr.shift();
  });
  return self;
}

/** Copies `input` line by line to `output`, each line prefixed, and hands each line to `seen`. */
function lines(input: Readable, output: Writable, prefix: string, seen: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    seen(line);
    output.write(`${prefix} ${line}\n`);
  });
}

/** SIGTERM, then SIGKILL if it has not exited after the grace period; resolves once it has exited. */
async function stopMember(member: Member): Promise<void> {
  if (member.exit) return;
  member.child.kill('SIGTERM');
  // A paused process (the dashboard's pause) takes the SIGTERM only once it runs again.
  if (member.paused) member.child.kill('SIGCONT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_GRACE_MS)));
  const outcome = await Promise.race([member.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    console.error(colour.yellow(`${title(member)} (pid ${member.pid}) did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killing it.`));
    member.child.kill('SIGKILL');
    await member.exited;
  }
}

/** "Broker 2", "Controller 0". */
function title(member: Member): string {
  return member.name[0]!.toUpperCase() + member.name.slice(1);
}

function reportDeath(member: Member, when: string): void {
  const exit = member.exit;
  const how = exit?.signal ? `was killed by ${exit.signal}` : `exited with code ${exit?.code ?? '?'}`;
  console.error(colour.red(`${title(member)} (pid ${member.pid}, ${address(member)}) ${how}${when ? ` ${when}` : ''}.`));
  // A taken port is explained by the caller; anything else by the broker's own last words.
  if (member.lastStderr.length > 0 && exit?.code !== PORT_TAKEN_EXIT_CODE) {
    console.error(colour.dim(`Its last lines on stderr:\n${member.lastStderr.map((line) => `  ${line}`).join('\n')}`));
  }
}

/** Creates the --topics with the step's KafkaAdmin, if it has one. */
async function createTopics(choice: SourceChoice, topics: TopicSpec[], bootstrapServers: string[], stepNumber: string): Promise<void> {
  if (topics.length === 0) return;
  const api = (await import(pathToFileURL(choice.file).href)) as { KafkaAdmin?: new (options: { bootstrapServers: string[] }) => Admin };
  if (typeof api.KafkaAdmin !== 'function') {
    console.log(colour.yellow(`Note: step ${stepNumber} has no KafkaAdmin (it arrives in ${arrives('log')}), so --topics creates nothing; topics are created when first used.`));
    return;
  }
  const replicates = has(choice.step.number, 'replication');
  const ignored = topics.filter((topic) => topic.replicationFactor > 1);
  if (!replicates && ignored.length > 0) {
    const asked = ignored.map((topic) => `${topic.name}:${topic.partitions}:${topic.replicationFactor}`).join(', ');
    console.log(colour.yellow(`Note: step ${stepNumber}'s KafkaAdmin has no replication (step 07 brings it), so every topic gets one replica (asked: ${asked}).`));
  }
  const admin = new api.KafkaAdmin({ bootstrapServers });
  try {
    for (const topic of topics) {
      const replicationFactor = replicates ? topic.replicationFactor : 1;
      try {
        await deadline(admin.createTopic(topic.name, { partitions: topic.partitions, replicationFactor }), 15_000, 'no answer');
        console.log(`Created topic ${topic.name}: ${topic.partitions} partition(s), replication factor ${replicationFactor}`);
      } catch (error) {
        const message = (error as Error).message;
        if ((error as { code?: string }).code === 'TOPIC_ALREADY_EXISTS') console.log(colour.dim(`Topic ${topic.name} already exists (its data is in the data dir from an earlier run).`));
        else console.error(colour.red(`Could not create topic ${topic.name}: ${message}`));
      }
    }
  } finally {
    await deadline(Promise.resolve(admin.close()), 5_000, 'close').catch(() => {});
  }
}

interface Admin {
  createTopic(name: string, options: { partitions: number; replicationFactor: number }): Promise<void>;
  close(): Promise<void> | void;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Takes --dashboard and --dashboard-port N out of the arguments. */
function takeDashboardFlags(args: string[]): { on: boolean; port: number; rest: string[] } {
  const at = args.indexOf('--dashboard-port');
  let port = 0;
  if (at >= 0) {
    port = Number(args[at + 1]);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError(`--dashboard-port: "${args[at + 1] ?? ''}" is not a port number (0 picks a free one).`);
  }
  const rest = args.filter((arg, i) => arg !== '--dashboard' && (at < 0 || (i !== at && i !== at + 1)));
  return { on: args.includes('--dashboard') || at >= 0, port, rest };
}
