// Mutants: each step ships plausible student mistakes as patches against its solution
// (solutions/NN-name/mutants/<name>.patch). Its tests must fail on every one of them.
//
// A mutant file starts with a few lines of prose (what the mistake is, which test should catch
// it), then a unified diff of one or more files under src/, as `diff -u` or `git diff` write it.
import fs from 'node:fs';
import path from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { MUTANTS_WORK_DIR } from '../paths.ts';
import type { Step } from '../steps.ts';

export interface Mutant {
  step: Step;
  name: string;
  file: string;
  description: string;
}

export function listMutants(step: Step): Mutant[] {
  const dir = path.join(step.solutionDir, 'mutants');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      const description = text.slice(0, text.search(/^(---|diff |Index:|===)/m)).trim();
      return { step, name: name.replace(/\.patch$/, ''), file, description };
    });
}

/** The mutated files (src-relative path → text), read from `srcDir`; throws when the mutant does not apply. */
function mutatedFiles(mutant: Mutant, srcDir: string): Map<string, string> {
  const patches = parsePatch(fs.readFileSync(mutant.file, 'utf8'));
  if (patches.length === 0) throw new Error(`${mutant.file}: no diff found; write one with diff -u`);
  const files = new Map<string, string>();
  for (const patch of patches) {
    const relative = (patch.newFileName ?? patch.oldFileName ?? '').replace(/^[ab]\//, '').replace(/^.*?src\//, '');
    const target = path.join(srcDir, ...relative.split('/'));
    if (!fs.existsSync(target)) throw new Error(`${mutant.file}: patches ${relative}, which is not in solutions/${mutant.step.name}/src`);
    const patched = applyPatch(files.get(relative) ?? fs.readFileSync(target, 'utf8'), patch);
    if (patched === false) {
      throw new Error(`${mutant.file} no longer applies to src/${relative}: the solution changed; remake the mutant against it`);
    }
    files.set(relative, patched);
  }
  return files;
}

/** Why the mutant does not apply to its solution as it is now, or null when it does (nothing is written). */
export function mutantProblem(mutant: Mutant): string | null {
  try {
    mutatedFiles(mutant, mutant.step.solutionSrcDir);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Copies the solution's src and applies the mutant; returns the mutated src directory. */
export function materialize(mutant: Mutant): string {
  const srcDir = path.join(MUTANTS_WORK_DIR, mutant.step.name, mutant.name, 'src');
  fs.rmSync(path.dirname(srcDir), { recursive: true, force: true });
  fs.cpSync(mutant.step.solutionSrcDir, srcDir, { recursive: true });
  for (const [relative, text] of mutatedFiles(mutant, srcDir)) fs.writeFileSync(path.join(srcDir, ...relative.split('/')), text);
  return srcDir;
}
