// Is each committed starter exactly what the generator makes from its solution?
//
// A student edits steps/NN/src, so the working copy is allowed to differ as long as the version
// in git's HEAD is in sync: `npm test` then still tells a student the truth about the workshop.
// The same comparison, the other way round, tells which files a student has edited (starterEdits).
// What each region kind becomes in a starter is decided in one place, starter.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.ts';
import { listFiles, type Step } from '../steps.ts';
import { generateStarter } from './starter.ts';

export interface OutOfSync {
  file: string;
  problem: string;
}

export function starterSyncProblems(step: Step): OutOfSync[] {
  const generated = generateStarter(step);
  const problems: OutOfSync[] = [];
  for (const [relative, text] of generated) {
    const file = path.join(step.srcDir, ...relative.split('/'));
    const display = path.relative(ROOT, file).split(path.sep).join('/');
    const working = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (working === text) continue;
    const committed = committedText(display);
    if (committed === text) continue;
    problems.push({
      file: display,
      problem: working === null && committed === null ? 'missing: the generator makes it' : 'differs from what the generator makes',
    });
  }
  for (const relative of listFiles(step.srcDir)) {
    if (generated.has(relative)) continue;
    const display = path.relative(ROOT, path.join(step.srcDir, ...relative.split('/'))).split(path.sep).join('/');
    // A file only the student made is theirs; one that is committed has no solution behind it.
    if (committedText(display) !== null) problems.push({ file: display, problem: 'is committed but has no counterpart in the solution' });
  }
  return problems;
}

/** A file of steps/NN/src that is not what the generator makes: changed, added or deleted. */
export interface StarterEdit {
  /** Relative to the step's src/, with '/' separators. */
  relative: string;
  /** Relative to the repository, with '/' separators (as git names it). */
  display: string;
  /** The file as it is now, or null when it was deleted. */
  current: string | null;
  /** What the generator makes, or null for a file the starter does not have. */
  starter: string | null;
}

/**
 * The files of a step's src/ that differ from the starter the generator makes from its solution,
 * in other words the student's edits: `generate` will not overwrite them, and `progress` and
 * `kcat --mine` use them (through lib/cli/edits.ts) to tell which steps a student has worked on. Null when the solution is
 * not here to generate the starter from. Pass `generated` when it is already at hand.
 */
export function starterEdits(step: Step, generated?: Map<string, string>): StarterEdit[] | null {
  if (!fs.existsSync(step.solutionSrcDir)) return null;
  const starter = generated ?? generateStarter(step);
  const edits: StarterEdit[] = [];
  const relatives = new Set([...starter.keys(), ...listFiles(step.srcDir)]);
  for (const relative of [...relatives].sort()) {
    const file = path.join(step.srcDir, ...relative.split('/'));
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    const expected = starter.get(relative) ?? null;
    if (current === expected) continue;
    edits.push({ relative, display: path.relative(ROOT, file).split(path.sep).join('/'), current, starter: expected });
  }
  return edits;
}

/** The file's text in git's HEAD, or null when it is not there (or there is no git). */
export function committedText(repoRelativePath: string, revision = 'HEAD'): string | null {
  try {
    return execFileSync('git', ['show', `${revision}:${repoRelativePath}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}
