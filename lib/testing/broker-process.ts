// Runs a broker in a child process, for tests where a crash must be seen as a crash: an
// uncaught exception ends that process, and the test reads its exit code and stderr, while the
// test runner itself carries on.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../paths.ts';
import { ExpectationFailed, within } from './wait.ts';

const ENTRY = path.join(ROOT, 'lib', 'testing', 'broker-process-entry.ts');

export interface BrokerProcess {
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `new Broker(options)` from `srcDir/index.ts` in a child process; resolves once it listens. */
export async function startBrokerProcess(srcDir: string, options: Record<string, unknown> = {}): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, srcDir, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );

  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^READY (\d+)$/m.exec(stdout);
      if (line) resolve(Number(line[1]));
    });
    void exited.then(({ code }) =>
      reject(new ExpectationFailed(`the broker process exited (code ${code}) before it was listening: ${firstError(stderr)}`)),
    );
  });
  const port = await within(ready, 15_000, 'the broker process did not start listening');
  return {
    port,
    child,
    stderr: () => stderr,
    exited,
    isRunning: () => running,
    kill: (signal = 'SIGKILL') => {
      if (running) child.kill(signal);
    },
  };
}

/** The line of a crash report that names the error, e.g. "Error: TODO(step 01, task 1): …". */
export function firstError(stderr: string): string {
  const line = /^\s*(?:\w*Error|AssertionError)(?: \[\w+\])?: .*$/m.exec(stderr);
  return line ? line[0].trim().replace(/^Error: /, '') : stderr.trim().split('\n').slice(-8).join('\n');
}
