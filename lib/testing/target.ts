// Which copy of a step's `src/` the tests exercise.
//
// Tests always import `../src/index.ts`. The vitest plugin in lib/vitest/redirect-src.ts
// rewrites that import to the copy chosen by KFS_TARGET:
//   student   (default) steps/NN-name/src       — what the student is writing
//   solution            solutions/NN-name/src   — the reference
//   starter             .kfs/starters/NN-name/src — the starter exactly as the generator makes it
//   dir:/abs/path       any other copy (used for mutants; one step per run)
// Tests that start a child process use srcDirFor() to hand it the same copy.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_STARTERS_DIR, SOLUTIONS_DIR, STEPS_DIR } from '../paths.ts';

export type Target = 'student' | 'solution' | 'starter' | `dir:${string}`;

export function currentTarget(): Target {
  const value = process.env.KFS_TARGET ?? 'student';
  if (value === 'student' || value === 'solution' || value === 'starter' || value.startsWith('dir:')) return value as Target;
  throw new Error(`KFS_TARGET=${value} is not a target; use student, solution, starter or dir:/absolute/path`);
}

export function srcDirFor(stepName: string, target: Target = currentTarget()): string {
  if (target === 'student') return path.join(STEPS_DIR, stepName, 'src');
  if (target === 'solution') return path.join(SOLUTIONS_DIR, stepName, 'src');
  if (target === 'starter') return path.join(GENERATED_STARTERS_DIR, stepName, 'src');
  return target.slice('dir:'.length);
}

/** The step a file under steps/NN-name/ belongs to, or null. Accepts a path or a file: URL. */
export function stepOfFile(file: string): string | null {
  const filePath = file.startsWith('file:') ? fileURLToPath(file) : file;
  const relative = path.relative(STEPS_DIR, filePath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return relative.split(path.sep)[0] ?? null;
}

/** For a test file: the src directory its step is being tested against. */
export function srcDirOfTest(testFileUrl: string): string {
  const step = stepOfFile(testFileUrl);
  if (!step) throw new Error(`${testFileUrl} is not inside steps/`);
  return srcDirFor(step);
}
