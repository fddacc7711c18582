// Apache Kafka's own clients, run as they are against a workshop cluster: kcat (librdkafka) and
// kafka-python from Debian's packages, KafkaJS from npm. .ci/run and the README install them.
// A student without them (`npm run step 09`) gets a failure that says how to install them: those
// tests are part of the task. `npm test` on such a machine skips them with one line saying the
// same (KFS_EXTRAS_OPTIONAL, set by verify), unless KFS_REQUIRE_EXTRAS=1 (CI) says they must run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export const INSTALL = 'install the real Kafka clients the step 09 tests run: `sudo apt-get install kcat python3-kafka` (Debian, Ubuntu; what CI does), or `brew install kcat` and `pip3 install kafka-python==2.0.2`';

/** The real clients a test may need that are not on npm. */
export type Extra = 'kcat' | 'kafka-python';

/** Whether this machine has `extra`. */
export function hasExtra(extra: Extra): boolean {
  try {
    if (extra === 'kcat') kcatBinary();
    else pythonWithKafka();
    return true;
  } catch {
    return false;
  }
}

/** The extras this machine lacks. */
export function missingExtras(): Extra[] {
  return (['kcat', 'kafka-python'] as const).filter((extra) => !hasExtra(extra));
}

/**
 * True when a test that needs `extras` is to be skipped: npm test on a machine without one of
 * them (verify sets KFS_EXTRAS_OPTIONAL=1, and leaves it out when KFS_REQUIRE_EXTRAS=1). A
 * student's run never skips: it fails with the install advice.
 */
export function skipWithout(...extras: Extra[]): boolean {
  return process.env.KFS_EXTRAS_OPTIONAL === '1' && extras.some((extra) => !hasExtra(extra));
}

/** The kcat (or older kafkacat) binary. */
export function kcatBinary(): string {
  for (const name of ['kcat', 'kafkacat']) {
    if (spawnSync(name, ['-V'], { encoding: 'utf8' }).status === 0) return name;
  }
  throw new Error(`kcat is not installed: ${INSTALL}`);
}

let python: string | undefined;

/**
 * A python3 that can import kafka-python. Debian's python3-kafka is for Debian's /usr/bin/python3,
 * which a pyenv or virtualenv `python3` earlier on the PATH does not see, so that one is tried first.
 */
export function pythonWithKafka(): string {
  if (python) return python;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (candidate.startsWith('/') && !fs.existsSync(candidate)) continue;
    if (spawnSync(candidate, ['-c', 'import kafka'], { encoding: 'utf8' }).status === 0) return (python = candidate);
  }
  throw new Error(`no python3 here can import kafka-python: ${INSTALL}`);
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A client process this test started: its output so far, and how to stop it (only this pid). */
export class ClientProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Finished>;
  private readonly child: ChildProcess;

  constructor(command: string, args: string[], options: { input?: string; keepStdinOpen?: boolean } = {}) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        this.stderr += `could not start ${command}: ${error.message}\n`;
        resolve({ code: -1, stdout: this.stdout, stderr: this.stderr });
      });
      this.child.on('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr }));
    });
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    else if (!options.keepStdinOpen) this.child.stdin!.end();
  }

  /** Writes to its stdin (with keepStdinOpen): lines for kcat -P, say. */
  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Closes its stdin and waits for it to exit; kills it and says so after `ms`. */
  async finish(ms: number): Promise<Finished> {
    this.child.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.stop();
        reject(new Error(`the client did not finish within ${ms} ms.\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lines printed on stdout so far, without empty ones. */
  get lines(): string[] {
    return this.stdout.split('\n').filter((line) => line !== '');
  }

  /** SIGTERM, then SIGKILL if it has not gone a second later. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs a client to its end, or kills it after `ms` and says so with everything it printed. */
export async function runClient(command: string, args: string[], options: { input?: string; ms?: number } = {}): Promise<Finished> {
  const client = new ClientProcess(command, args, options);
  const ms = options.ms ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void client.stop();
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${ms} ms.\nstdout:\n${client.stdout}\nstderr:\n${client.stderr}`));
    }, ms);
  });
  try {
    return await Promise.race([client.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
