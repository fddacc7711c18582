// Runs `npm run <command>` as the workshop's CLI really runs (node with tsx, lib/main.ts), as a
// child process whose output a test reads line by line.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { ExpectationFailed, waitFor, within } from '../../testing/wait.ts';

const MAIN = path.join(ROOT, 'lib', 'main.ts');

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once the process has exited and all it wrote has been read (its pipes closed): 'exit'
   * can come before the last lines of output. Never resolves while a process it started still holds the pipes.
   */
  closed: Promise<void>;
  /** Waits until stdout has a line matching `pattern`, and returns its match. */
  line(pattern: RegExp, ms: number, what: string): Promise<RegExpExecArray>;
}

export function runCli(args: string[]): CliProcess {
  // NO_COLOR: the output is read by the test, not a person.
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    closed: new Promise((resolve) => child.once('close', () => resolve())),
    async line(pattern, ms, what) {
      const multiline = new RegExp(pattern.source, `${pattern.flags.replace('m', '')}m`);
      await waitFor(() => multiline.test(stdout) || ended, ms, `${what}; stdout so far:\n${stdout}\nstderr:\n${stderr}`);
      const match = multiline.exec(stdout);
      if (!match) throw new ExpectationFailed(`${what}: the process exited first.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      return match;
    },
  };
}

/** Sends the signal and waits for the process to exit. */
export async function stopCli(cli: CliProcess, signal: NodeJS.Signals, ms: number) {
  cli.child.kill(signal);
  return within(cli.exited, ms, `the process did not exit after ${signal}; stdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
}
