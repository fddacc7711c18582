// How the CLI talks: short lines, colour only where it carries meaning.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pc from 'picocolors';
import { ROOT } from './paths.ts';

export const colour = pc;

export function heading(text: string): void {
  console.log(`\n${pc.bold(text)}`);
}

export function ok(text: string): void {
  console.log(`${pc.green('✓')} ${text}`);
}

export function bad(text: string): void {
  console.log(`${pc.red('✗')} ${text}`);
}

/** Worth knowing, not a problem: an optional extra that is missing, a Node that will soon be. */
export function note(text: string): void {
  console.log(`${pc.yellow('-')} ${text}`);
}

/** Indents every line of a block of text. */
export function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');
}

/** Keeps the first `max` lines of a long message (without colour codes when colour is off). */
export function clip(text: string, max = 14): string {
  // vitest colours its expected/received diffs itself; a pipe or NO_COLOR should get plain text.
  const lines = (pc.isColorSupported ? text : text.replace(/\x1b\[[0-9;]*m/g, '')).split('\n');
  return lines.length <= max ? lines.join('\n') : [...lines.slice(0, max), pc.dim(`… ${lines.length - max} more lines`)].join('\n');
}

/** An error meant for the person at the keyboard: printed without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** What to say when a command needs solutions/ and this copy of the workshop has none. */
export function referenceMissing(expected: string): string {
  const where = path.relative(ROOT, expected).split(path.sep).join('/');
  return `The reference solution is not here (expected ${where}/). ${howToGetSolutions()}`;
}

/**
 * How to get solutions/ back, for every command that needs it: in a git checkout whose HEAD has
 * it, git restores it; otherwise the folder must come from a full clone (or the instructor).
 */
export function howToGetSolutions(): string {
  if (gitHeadHas('solutions')) {
    return 'It is in git: bring it back with git restore solutions/ (with a git older than 2.23: git checkout -- solutions).';
  }
  if (fs.existsSync(path.join(ROOT, '.git'))) {
    return 'This git checkout has no solutions/ folder: switch to a branch of the workshop that has one, or ask your instructor for it.';
  }
  return 'It ships with the workshop: clone the whole repository with git (a copy without solutions/ cannot compare with or run the reference), or ask your instructor for it.';
}

/** Whether git's HEAD has `repoRelativePath`; false when this is not a git checkout or git is missing. */
function gitHeadHas(repoRelativePath: string): boolean {
  try {
    const listed = execFileSync('git', ['ls-tree', '--name-only', 'HEAD', '--', repoRelativePath], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.trim() !== '';
  } catch {
    return false;
  }
}
