// Has the student edited a step's src/? `npm run progress` and `npm run kcat -- --mine` ask, to
// tell which steps someone has worked on. Three ways to know, the first that can answer wins:
//
// 1. The reference: the untouched starter is what the generator makes from solutions/ (exact).
// 2. git: src/ differs from HEAD, or a commit not yet in the upstream branch changed it (a
//    student who commits their work). Only for a src/ that git tracks.
// 3. A fingerprint of the untouched starter, kept in .kfs/ when one of the two above said so,
//    when `npm run reset` wrote it, or, when neither can answer (a copy without solutions/ and
//    without git), at the first `npm run step NN`, which the README has students run before
//    writing any code.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.ts';
import { starterEdits } from '../source/sync.ts';
import { listFiles, type Step } from '../steps.ts';
import { readState, writeState } from './state.ts';

export type EditsKnownBy = 'reference' | 'git' | 'fingerprint';

export interface EditState {
  edited: boolean;
  /** How it is known. */
  by: EditsKnownBy;
}

const FINGERPRINTS_FILE = 'starter-fingerprints.json';

interface Fingerprint {
  /** sha256 over the src/ files' names and contents. */
  hash: string;
  /** When it was taken, as an ISO date. */
  at: string;
}

/** Whether the step's src/ differs from its untouched starter, and how that is known; null when nothing can tell. */
export function stepEdited(step: Step): EditState | null {
  const edits = starterEdits(step);
  if (edits !== null) {
    if (edits.length === 0) rememberUntouched(step);
    return { edited: edits.length > 0, by: 'reference' };
  }
  const git = gitSaysEdited(step.srcDir);
  if (git !== null) {
    if (!git) rememberUntouched(step);
    return { edited: git, by: 'git' };
  }
  const fingerprint = readState<Fingerprint>(FINGERPRINTS_FILE)[step.name];
  if (fingerprint) return { edited: fingerprintOf(step.srcDir) !== fingerprint.hash, by: 'fingerprint' };
  return null;
}

/**
 * Called by `npm run step NN` before the tests run: keeps a fingerprint of the untouched starter
 * for a copy where neither the reference nor git will be able to say later. When one of them can
 * say now, it decides; when neither can, the first run is taken to be on the untouched starter.
 */
export function noteStarter(step: Step): void {
  if (stepEdited(step) !== null) return; // known, and remembered when untouched
  if (readState<Fingerprint>(FINGERPRINTS_FILE)[step.name]) return;
  rememberUntouched(step);
}

/** Records the step's src/ as it is now as its untouched starter (after `npm run reset`, say). */
export function rememberUntouched(step: Step): void {
  const hash = fingerprintOf(step.srcDir);
  const fingerprints = readState<Fingerprint>(FINGERPRINTS_FILE);
  if (fingerprints[step.name]?.hash === hash) return;
  fingerprints[step.name] = { hash, at: new Date().toISOString() };
  try {
    writeState(FINGERPRINTS_FILE, fingerprints);
  } catch {
    // A read-only checkout: the other two ways still work.
  }
}

/** sha256 over every file's path and contents in `dir`, in a fixed order. */
export function fingerprintOf(dir: string): string {
  const hash = createHash('sha256');
  for (const relative of listFiles(dir)) {
    hash.update(`${relative}\0`);
    hash.update(fs.readFileSync(path.join(dir, ...relative.split('/'))));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * What git says: true when `dir` has changes against HEAD (untracked files included) or a commit
 * that the upstream branch does not have changed it; false when neither; null when git cannot
 * say (no git, not a checkout, or `dir` not tracked).
 */
export function gitSaysEdited(dir: string): boolean | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    if (git('ls-files', '--', dir).trim() === '') return null;
    if (git('status', '--porcelain', '--untracked-files=all', '--', dir).trim() !== '') return true;
  } catch {
    return null;
  }
  try {
    return git('rev-list', '--count', '@{upstream}..HEAD', '--', dir).trim() !== '0';
  } catch {
    return false; // no upstream branch: HEAD is all there is to compare with
  }
}
