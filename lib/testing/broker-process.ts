// Runs a broker (or, from step 08, a controller) in a child process, for tests where a crash must
// be seen as a crash: an uncaught exception ends that process, and the test reads its exit code
// and stderr, while the test runner itself carries on. The process is a ServerProcess
// (lib/process/server-process.ts): kill, pause, resume and stop are its.
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../paths.ts';
import { PORT_TAKEN_EXIT_CODE } from '../ports.ts';
import { ServerProcess, type Exit } from '../process/server-process.ts';
import { ExpectationFailed, within } from './wait.ts';

const ENTRY = path.join(ROOT, 'lib', 'testing', 'broker-process-entry.ts');

export interface BrokerProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  /** The process itself: pause(), resume(), stop(), and whether it is paused. */
  server: ServerProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Everything it wrote to stdout so far: the broker's log with `log: true`. */
  stdout(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<Exit>;
  isRunning(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/** Thrown when the broker (or controller) could not listen because its port is taken (EADDRINUSE). */
export class PortTakenError extends ExpectationFailed {
  constructor(
    readonly port: unknown,
    what = 'broker',
  ) {
    super(`port ${String(port)} is taken: the ${what} process could not listen on it`);
  }
}

export interface ProcessOptions {
  /** The broker's log lines go to stdout (see stdout()). */
  log?: boolean;
  /** The broker stops when this process goes away, even by SIGKILL (its stdin is a pipe from here). */
  exitWithParent?: boolean;
  /** How long it may take to listen (15 s). */
  readyMs?: number;
  /** In a process group of its own: Ctrl-C in the terminal does not reach it (exitWithParent still stops it when this process goes). */
  ownProcessGroup?: boolean;
}

/**
 * Starts `new Broker(options)` from `srcDir/index.ts` in a child process; resolves once it listens.
 * Rejects with PortTakenError when `options.port` is taken.
 */
export function startBrokerProcess(srcDir: string, options: Record<string, unknown> = {}, processOptions: ProcessOptions = {}): Promise<BrokerProcess> {
  return startServerProcess('Broker', srcDir, options, processOptions);
}

/**
 * Starts `new Controller(options)` from `srcDir/index.ts` (step 08 on) in a child process, the
 * same way: it takes `{ id, host, port, dataDir, … }` and resolves once it listens.
 */
export function startControllerProcess(srcDir: string, options: Record<string, unknown> = {}, processOptions: ProcessOptions = {}): Promise<BrokerProcess> {
  return startServerProcess('Controller', srcDir, options, processOptions);
}

async function startServerProcess(className: 'Broker' | 'Controller', srcDir: string, options: Record<string, unknown>, processOptions: ProcessOptions): Promise<BrokerProcess> {
  const what = className.toLowerCase();
  const server = new ServerProcess([ENTRY, srcDir, JSON.stringify(options), className], {
    cwd: ROOT,
    stdin: processOptions.exitWithParent ? 'pipe' : 'ignore',
    detached: processOptions.ownProcessGroup ?? false,
    env: { ...process.env, KFS_BROKER_LOG: processOptions.log ? '1' : '0', KFS_EXIT_WITH_PARENT: processOptions.exitWithParent ? '1' : '0' },
  });
  const { child, exited } = server;
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const failed = exited.then(({ code, signal }) => {
    throw code === PORT_TAKEN_EXIT_CODE
      ? new PortTakenError(options.port, what)
      : new ExpectationFailed(`the ${what} process exited (${signal ?? `code ${code}`}) before it was listening: ${firstError(stderr)}`);
  });
  const ready = Promise.race([server.ready, failed]);
  let port: number;
  try {
    port = await within(ready, processOptions.readyMs ?? 15_000, `the ${what} process did not start listening`);
  } catch (error) {
    void server.kill(); // a broker (or controller) that never got ready is of no use, and must not outlive the test
    throw error;
  }
  return {
    port,
    pid: server.pid,
    child,
    server,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    isRunning: () => server.running,
    kill: (signal = 'SIGKILL') => void server.kill(signal),
  };
}

/** Whether a process with this pid exists (signal 0 only asks); for checking that none is left behind. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The line of a crash report that names the error, e.g. "Error: TODO(step 01, task 1): …". */
export function firstError(stderr: string): string {
  const line = /^\s*(?:\w*Error|AssertionError)(?: \[\w+\])?: .*$/m.exec(stderr);
  return line ? line[0].trim().replace(/^Error: /, '') : stderr.trim().split('\n').slice(-8).join('\n');
}

/** The resident memory of a process in MiB, read from /proc (Linux); null where there is none. */
export function residentMiB(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}
