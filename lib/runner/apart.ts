// `npm test` makes many vitest runs (each step's solution and starter, every mutant, …) and runs
// them a few at a time. KFS_TARGET is per process, so each run happens in a child process: one
// child per run at a time, kept for the next run, since starting node and loading vitest for every
// run would cost about as much as the parallelism saves. A child (run-child.ts) runs the tests
// through runTests, as `npm run step` does in-process, and sends back the result.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../paths.ts';
import type { RunOptions, RunResult } from './run-tests.ts';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-child.ts');

export type ApartOptions = Pick<RunOptions, 'target' | 'paths' | 'bail'>;

interface Child {
  process: ChildProcess;
  /** The end of what vitest printed during the current run: only shown when a run ends without a result. */
  output: string;
}

/** Children waiting for their next run. */
const idle: Child[] = [];

function startChild(): Child {
  const child: Child = { process: fork(CHILD, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), output: '' };
  const keep = (chunk: Buffer) => (child.output = (child.output + chunk.toString('utf8')).slice(-4000));
  child.process.stdout!.on('data', keep);
  child.process.stderr!.on('data', keep);
  return child;
}

/** One vitest run in a child process (an idle one, or a new one). Never rejects: a child that dies is a failed run. */
export async function runTestsApart(options: ApartOptions): Promise<RunResult> {
  const child = idle.pop() ?? startChild();
  child.output = '';
  const result = await new Promise<RunResult | null>((resolve) => {
    child.process.once('message', (message) => resolve(message as RunResult));
    child.process.once('exit', () => resolve(null));
    child.process.send(options);
  });
  child.process.removeAllListeners('message').removeAllListeners('exit');
  if (result) {
    idle.push(child);
    return result;
  }
  const tail = child.output.trim().split('\n').slice(-20).join('\n');
  const message = `the test run of ${options.paths.join(', ')} (${options.target}) ended without a result (exit code ${child.process.exitCode})${tail ? `:\n${tail}` : ''}`;
  return { tests: [], brokenFiles: [], unhandled: [{ name: 'Error', message, where: null }] };
}

/** Ends the idle children; call once no run is left. */
export function stopTestChildren(): void {
  for (const child of idle.splice(0)) child.process.kill();
}

/**
 * A pool that runs at most `size` jobs at once, in the order they were handed in. The default is
 * one job per core: a run's tests mostly wait on sockets and timers, and vitest itself runs one
 * test file at a time on a 2-core machine.
 */
export function pool(size = os.availableParallelism()): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    if (running < size) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve)); // a finishing job hands over its slot
    try {
      return await job();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
