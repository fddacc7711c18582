// tsc with the repository's settings over a chosen set of files: `npm test` checks everything,
// `npm run step` a student's finished step. The tests themselves run through a transpiler that
// ignores types, so this is where type errors show.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../paths.ts';

/**
 * Writes `configDir/tsconfig.json` (the root one, with `include` as given: absolute paths or
 * globs) and runs tsc on it. Resolves with tsc's report, or '' when there is nothing to report.
 * Asynchronous, so `npm test` can run tests while tsc works.
 */
export async function typecheck(configDir: string, include: string[]): Promise<string> {
  const relative = (target: string) => path.relative(configDir, target).split(path.sep).join('/');
  fs.mkdirSync(configDir, { recursive: true });
  const config = { extends: relative(path.join(ROOT, 'tsconfig.json')), include: include.map(relative), exclude: [relative(path.join(ROOT, 'node_modules'))] };
  fs.writeFileSync(path.join(configDir, 'tsconfig.json'), JSON.stringify(config));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', path.join(configDir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: ROOT });
  // tsc keeps a core busy but waits on no timer; the test runs npm test starts beside it do
  // (session timeouts of a few hundred ms), so they get the CPU first.
  if (child.pid !== undefined) {
    try {
      os.setPriority(child.pid, 19);
    } catch {
      // Not allowed here: tsc then runs at normal priority, which is only slower for the tests.
    }
  }
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return status === 0 ? '' : output.trim() || `tsc exited with ${status}`;
}
