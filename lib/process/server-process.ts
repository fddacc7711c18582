// A broker or a controller running as a process of its own, and what lib does to one: know when it
// has exited, kill it with a signal, pause it (SIGSTOP: alive, holding its port and connections,
// answering nothing) and let it run on (SIGCONT), stop it gently (SIGTERM, then SIGKILL after a
// grace period). Restarting one is starting it again with the same arguments: same port, same data.
//
// Two kinds of start use it: lib/testing/broker-process.ts (the test harness, and the chaos run,
// bench and demos built on it), which hands the process its options as JSON, and npm run cluster
// (lib/cli/cluster/member.ts), which runs `npm run broker` with Kafka's flag names. Either way the
// process says it is ready the same way: `process.send({ ready: port })` on the IPC channel once
// its start() has resolved (a step-08 broker listens before it has registered, so a log line
// would come too early).
import { spawn, type ChildProcess } from 'node:child_process';

/** How a process ended: its exit code, or the signal that ended it. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcessOptions {
  /** 'pipe': stdin is a pipe the process may watch, to stop when this one goes (even by SIGKILL). */
  stdin: 'pipe' | 'ignore';
  /** In a process group of its own: Ctrl-C in the terminal does not reach it. */
  detached?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the port it listens on once it says it is ready; never, if it exits first (race it with `exited`). */
  readonly ready: Promise<number>;
  /** Resolves once the process has ended. */
  readonly exited: Promise<Exit>;
  /** How it ended; null while it runs. */
  exit: Exit | null = null;
  /** Stopped with SIGSTOP, not yet continued. */
  paused = false;

  /** Starts `node <args>` (with tsx loaded, as every workshop process needs); its stdout and stderr are pipes. */
  constructor(args: string[], options: ServerProcessOptions) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: options.cwd,
      stdio: [options.stdin, 'pipe', 'pipe', 'ipc'],
      detached: options.detached ?? false,
      env: options.env,
    });
    this.pid = this.child.pid ?? -1;
    this.ready = new Promise<number>((resolve) =>
      this.child.on('message', (message: { ready?: number }) => {
        if (typeof message?.ready === 'number') resolve(message.ready);
      }),
    );
    this.exited = new Promise<Exit>((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.paused = false;
        resolve(this.exit);
      }),
    );
    this.child.stdin?.on('error', () => {}); // the process has gone; its exit says why
  }

  get running(): boolean {
    return this.exit === null;
  }

  /**
   * Sends `signal` (SIGKILL unless told) and resolves with how the process ended. A paused process
   * also gets SIGCONT, or it could not act on any signal but SIGKILL.
   */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) {
      this.child.kill(signal);
      if (this.paused && signal !== 'SIGKILL') this.child.kill('SIGCONT');
    }
    return this.exited;
  }

  /** SIGSTOP: the process keeps its port and connections but runs no code until resume(). */
  pause(): void {
    if (!this.running) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT: a paused process runs on. */
  resume(): void {
    if (!this.running) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /**
   * SIGTERM, then SIGKILL if the process has not ended after `graceMs` (`onLate` is told first);
   * resolves once it has ended.
   */
  async stop(graceMs: number, onLate: () => void = () => {}): Promise<Exit> {
    if (!this.running) return this.exit!;
    void this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return outcome;
    onLate();
    return this.kill('SIGKILL');
  }
}
