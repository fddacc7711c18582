// `npm run carry NN [-- --since REV]` (maintainers): carries a change made to step NN's solution
// (since the last commit, or since REV) into every later step's solution by a three-way merge,
// then regenerates their starters.
//
// A fix belongs in the step that introduced the code; every later solution holds a copy of that
// code (without the earlier step's markers). For each pair of steps K and K+1 from NN on, git
// merge-file takes
//
//   base   = solutions/K/src/file as committed (HEAD, or --since REV), markers stripped
//   theirs = solutions/K/src/file as it is now, markers stripped
//   ours   = solutions/K+1/src/file as it is now
//
// so K+1 gets K's edit while keeping its own regions, and its own edit then travels on to K+2.
// A file new in K is copied into K+1 when K+1 lacks it; a file deleted from K is deleted from
// K+1 when K+1 still held K's old text. Conflicts are left in the file, marked as git marks them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { committedText } from '../../source/sync.ts';
import { stripMarkers } from '../../source/markers.ts';
import { findStep, listFiles, listSteps, type Step } from '../../steps.ts';
import { UserError, bad, ok } from '../../output.ts';
import { generateCommand } from './generate.ts';

export function carryCommand(args: string[]): number {
  const sinceAt = args.indexOf('--since');
  // What the changes are measured against: the last commit, unless --since names another.
  const since = sinceAt >= 0 ? args[sinceAt + 1] : 'HEAD';
  if (since === undefined) throw new UserError('--since needs a git revision, for example --since HEAD~1');
  const named = args.find((arg, index) => !arg.startsWith('--') && (sinceAt < 0 || index !== sinceAt + 1));
  if (named === undefined) throw new UserError('Which step did you change? npm run carry 04 carries solutions/04-…/src into 05, 06, …');
  const from = findStep(named);
  const steps = listSteps().filter((step) => step.number >= from.number);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-carry-'));
  let conflicts = 0;
  try {
    for (let index = 0; index + 1 < steps.length && conflicts === 0; index++) {
      // A conflicted file would carry its conflict markers on: stop at the first step that has one.
      conflicts += carryInto(steps[index]!, steps[index + 1]!, scratch, since);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (conflicts > 0) {
    bad(`${conflicts} file(s) have conflicts (<<<<<<< … >>>>>>>): resolve them, then run npm run carry again from that step`);
    return 1;
  }
  for (const step of steps) generateCommand([step.name]);
  return 0;
}

/** Merges what changed in `earlier`'s solution since HEAD into `later`'s; returns the number of files left in conflict. */
function carryInto(earlier: Step, later: Step, scratch: string, since: string): number {
  let conflicts = 0;
  const now = new Set(listFiles(earlier.solutionSrcDir));
  const committed = committedFiles(earlier, since);
  for (const relative of new Set([...now, ...committed])) {
    const before = committedText(display(earlier, relative), since);
    const afterPath = path.join(earlier.solutionSrcDir, ...relative.split('/'));
    const after = now.has(relative) ? fs.readFileSync(afterPath, 'utf8') : null;
    if (before === after) continue;
    const target = path.join(later.solutionSrcDir, ...relative.split('/'));
    const ours = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    const base = before === null ? null : stripMarkers(before, relative);
    const theirs = after === null ? null : stripMarkers(after, relative);
    const where = display(later, relative);

    if (theirs === null) {
      // Deleted in the earlier step: delete it here too, unless this step changed it since.
      if (ours !== null && ours === base) {
        fs.rmSync(target);
        ok(`${where}: deleted, as in ${earlier.name}`);
      } else if (ours !== null) bad(`${where}: deleted in ${earlier.name} but changed here; decide by hand`);
      continue;
    }
    if (ours === null && base !== null) continue; // this step removed the file on purpose: nothing to carry into
    if (ours === null) {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, theirs);
      ok(`${where}: new, copied from ${earlier.name}`);
      continue;
    }
    if (base === null) {
      // New in the earlier step, yet already here: this step wrote its own, there is no common ancestor to merge from.
      bad(`${where}: new in ${earlier.name} but already here; compare the two by hand`);
      continue;
    }
    const files = { ours: path.join(scratch, 'ours'), base: path.join(scratch, 'base'), theirs: path.join(scratch, 'theirs') };
    fs.writeFileSync(files.ours, ours);
    fs.writeFileSync(files.base, base);
    fs.writeFileSync(files.theirs, theirs);
    let merged: string;
    let conflicted = 0;
    try {
      merged = execFileSync('git', ['merge-file', '-p', '-L', later.name, '-L', `${earlier.name} (before)`, '-L', earlier.name, files.ours, files.base, files.theirs], { encoding: 'utf8' });
    } catch (error) {
      // git merge-file exits with the number of conflicts and still prints the merge.
      const failure = error as { status?: number; stdout?: string };
      if (typeof failure.stdout !== 'string' || !failure.status || failure.status < 0) throw error;
      merged = failure.stdout;
      conflicted = failure.status;
    }
    if (merged === ours) continue;
    fs.writeFileSync(target, merged);
    if (conflicted > 0) {
      conflicts++;
      bad(`${where}: ${conflicted} conflict(s) carrying ${earlier.name}`);
    } else ok(`${where}: carried from ${earlier.name}`);
  }
  return conflicts;
}

function committedFiles(step: Step, since: string): string[] {
  const prefix = `solutions/${step.name}/src/`;
  try {
    const out = execFileSync('git', ['ls-tree', '-r', '--name-only', since, '--', prefix], { cwd: ROOT, encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((file) => file.slice(prefix.length));
  } catch {
    return [];
  }
}

function display(step: Step, relative: string): string {
  return `solutions/${step.name}/src/${relative}`;
}
