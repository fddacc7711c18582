// One process of a cluster started by npm run cluster: a broker, or from step 08 the controller.
// It runs `npm run broker` (or `controller`) directly with node, so its pid is the broker's own;
// its lines are copied to this terminal with a prefix naming it; it stops with SIGTERM, then
// SIGKILL after a grace period; the dashboard pauses (SIGSTOP), resumes and restarts it.
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ROOT } from '../../paths.ts';
import { PORT_TAKEN_EXIT_CODE } from '../../ports.ts';
import type { SourceChoice } from '../choose-source.ts';
import { colour } from '../../output.ts';
import type { ClusterMember } from '../broker-flags.ts';
import { ServerProcess } from '../../process/server-process.ts';

const MAIN = path.join(ROOT, 'lib', 'main.ts');
/** How long a broker has to stop after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 5_000;
const LAST_STDERR_LINES = 12;

/**
 * One process of the cluster, a broker or from step 08 the controller: `npm run broker` (or
 * `controller`) started as a process of its own, without npm in between (a ServerProcess that
 * knows its place in the cluster).
 */
export class Member extends ServerProcess implements ClusterMember {
  /** Whether it has said it is ready (its start() has resolved), and a promise of that. */
  listens = false;
  readonly listening: Promise<void>;
  /** Its last lines on stderr, to say why it died. */
  readonly lastStderr: string[] = [];

  constructor(
    readonly id: number,
    readonly host: string,
    readonly port: number,
    /** "broker 2", "controller 0": its name in the listing and in the prefix of its lines. */
    readonly name: string,
    readonly dataDir: string,
    /** The arguments it was started with: a restart starts it again with the same (port, data dir). */
    readonly args: string[],
  ) {
    // stdin is a pipe that the process watches (KFS_BROKER_CHILD): if this process dies without
    // stopping it, even by SIGKILL, the pipe closes and it stops on its own. It leaves its notes and
    // advice to this process, which says them once for all, and says on the IPC channel when its
    // start() has resolved (a step-08 broker logs that it listens before it has registered).
    super([MAIN, ...args], { cwd: ROOT, stdin: 'pipe', env: { ...process.env, KFS_BROKER_CHILD: '1' } });
    this.listening = this.ready.then(() => {
      this.listens = true;
    });
    // "[broker 2]", "[controller]" (there is one).
    const prefix = name.startsWith('broker') ? COLOURS[(id - 1) % COLOURS.length]!(`[${name}]`) : colour.bold('[controller]');
    lines(this.child.stdout!, process.stdout, prefix, () => {});
    lines(this.child.stderr!, process.stderr, prefix, (line) => {
      this.lastStderr.push(line);
      if (this.lastStderr.length > LAST_STDERR_LINES) this.lastStderr.shift();
    });
  }
}

export function address(member: ClusterMember): string {
  return `${member.host.includes(':') ? `[${member.host}]` : member.host}:${member.port}`;
}

const COLOURS = [colour.cyan, colour.magenta, colour.yellow, colour.green, colour.blue, colour.red];

/** `npm run broker`'s arguments for broker `member.id`: told every broker (--cluster), or from step 08 the controller (--controller). */
export function brokerArgs(member: ClusterMember, layout: ClusterMember[], controller: string | undefined, dataDir: string, choice: SourceChoice, passed: string[]): string[] {
  return [
    'broker', '--step', choice.step.name, ...(choice.mine ? ['--mine'] : []),
    '--id', String(member.id), '--host', member.host, '--port', String(member.port), '--data-dir', dataDir,
    ...(controller ? ['--controller', controller] : ['--cluster', layout.map((other) => `${other.id}@${address(other)}`).join(',')]),
    ...passed,
  ];
}

/** `npm run controller`'s arguments. */
export function controllerArgs(self: ClusterMember, dataDir: string, choice: SourceChoice, host: string, passed: string[]): string[] {
  return ['controller', '--step', choice.step.name, ...(choice.mine ? ['--mine'] : []), '--id', String(self.id), '--host', host, '--port', String(self.port), '--data-dir', dataDir, ...passed];
}

/** Copies `input` line by line to `output`, each line prefixed, and hands each line to `seen`. */
function lines(input: Readable, output: Writable, prefix: string, seen: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    seen(line);
    output.write(`${prefix} ${line}\n`);
  });
}

/** SIGTERM, then SIGKILL if it has not exited after the grace period; resolves once it has exited. */
export async function stopMember(member: Member): Promise<void> {
  await member.stop(STOP_GRACE_MS, () => console.error(colour.yellow(`${title(member)} (pid ${member.pid}) did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killing it.`)));
}

/** "Broker 2", "Controller 0". */
export function title(member: Member): string {
  return member.name[0]!.toUpperCase() + member.name.slice(1);
}

export function reportDeath(member: Member, when: string): void {
  const exit = member.exit;
  const how = exit?.signal ? `was killed by ${exit.signal}` : `exited with code ${exit?.code ?? '?'}`;
  console.error(colour.red(`${title(member)} (pid ${member.pid}, ${address(member)}) ${how}${when ? ` ${when}` : ''}.`));
  // A taken port is explained by the caller; anything else by the broker's own last words.
  if (member.lastStderr.length > 0 && exit?.code !== PORT_TAKEN_EXIT_CODE) {
    console.error(colour.dim(`Its last lines on stderr:\n${member.lastStderr.map((line) => `  ${line}`).join('\n')}`));
  }
}
