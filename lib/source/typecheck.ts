// tsc with the repository's settings over a chosen set of files: `npm test` checks everything,
// `npm run step` a student's finished step. The tests themselves run through a transpiler that
// ignores types, so this is where type errors show.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.ts';

/**
 * Writes `configDir/tsconfig.json` (the root one, with `include` as given: absolute paths or
 * globs) and runs tsc on it. Returns tsc's report, or '' when there is nothing to report.
 */
export function typecheck(configDir: string, include: string[]): string {
  const relative = (target: string) => path.relative(configDir, target).split(path.sep).join('/');
  fs.mkdirSync(configDir, { recursive: true });
  const config = { extends: relative(path.join(ROOT, 'tsconfig.json')), include: include.map(relative), exclude: [relative(path.join(ROOT, 'node_modules'))] };
  fs.writeFileSync(path.join(configDir, 'tsconfig.json'), JSON.stringify(config));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(configDir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8' });
  return result.status === 0 ? '' : `${result.stdout}${result.stderr}`.trim() || `tsc exited with ${result.status}`;
}
