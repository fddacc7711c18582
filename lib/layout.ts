// The parts of the repository, in one table. `npm test` (phase 1) reports every file that
// belongs to none of them, as rustlings' `dev check` rejects unexpected files, so notes and
// experiments left lying around never reach students. Moving a part or adding one is a change to
// this table and nowhere else.
//
// In a pattern, NN-name is a step's folder name (two digits, a dash, a name), * is any name inside
// one folder and ** any path below it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SLIDES_DIR, SOLUTIONS_DIR, STEPS_DIR } from './paths.ts';

export const PARTS: readonly string[] = [
  'package.json',                      // the npm manifest and its scripts
  'package-lock.json',                 // the exact dependency versions
  'tsconfig.json',                     // the TypeScript settings
  'README.md',                         // the workshop README
  '.gitignore',                        // what git ignores
  '.ci/**',                            // the CI script
  'lib/**',                            // the tools: CLI, test runner, test helpers, slide builder
  'slides/README.md',                  // how to write a deck
  'slides/NN-name.md',                 // one deck per step, and 00-intro.md
  'slides/assets/**',                  // pictures the decks show
  'steps/NN-name/README.md',           // the step's exercise
  'steps/NN-name/demo.ts',             // the step's demo, run on your code (--mine) or the reference
  'steps/NN-name/src/**',              // the starter, generated from the solution
  'steps/NN-name/test/**',             // the step's tests and their helpers
  'steps/NN-name/recitation/*.py',     // programs for Kafka's own clients (step 09's kafka-python), run unchanged by the tests and the demo
  'solutions/NN-name/src/**',          // the marked reference solution
  'solutions/NN-name/mutants/*.patch', // mistakes the step's tests must catch
];

const STEP_NAME = /^\d{2}-[a-z0-9][a-z0-9-]*$/;

export interface Stray {
  file: string;
  /** Where files like it belong. */
  advice: string;
}

/** Files git tracks or would track (present, not ignored), relative with '/'; null outside a git checkout. */
export function repositoryFiles(): string[] | null {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // A tracked file deleted from the working tree is not there to belong anywhere.
    return [...new Set(out.split('\0').filter((file) => file !== '' && fs.existsSync(path.join(ROOT, file))))].sort();
  } catch {
    return null;
  }
}

/** The files that belong to no part, each with where the folder it sits in says files go. */
export function strayFiles(files: string[]): Stray[] {
  return files.filter((file) => !PARTS.some((part) => matches(segments(part), segments(file)))).map((file) => ({ file, advice: adviceFor(file) }));
}

/** Step folders, solution folders and decks without their counterpart. */
export function unpairedFolders(): string[] {
  const dirs = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name) : []);
  const steps = new Set(dirs(STEPS_DIR));
  const solutions = new Set(dirs(SOLUTIONS_DIR));
  const problems: string[] = [];
  for (const name of steps) if (!solutions.has(name)) problems.push(`steps/${name} has no solutions/${name}: every step needs its reference`);
  for (const name of solutions) if (!steps.has(name)) problems.push(`solutions/${name} has no steps/${name}: rename it to its step's folder name, or add the step`);
  const decks = fs.existsSync(SLIDES_DIR) ? fs.readdirSync(SLIDES_DIR).filter((file) => STEP_NAME.test(file.replace(/\.md$/, '')) && file.endsWith('.md')) : [];
  for (const deck of decks) {
    const name = deck.replace(/\.md$/, '');
    if (name !== '00-intro' && !steps.has(name)) problems.push(`slides/${deck} is a deck for no step: name it after its step's folder (steps/NN-name)`);
  }
  return problems;
}

function segments(file: string): string[] {
  return file.split('/');
}

function segmentMatches(pattern: string, name: string): boolean {
  if (pattern === 'NN-name') return STEP_NAME.test(name);
  if (pattern === 'NN-name.md') return name.endsWith('.md') && STEP_NAME.test(name.slice(0, -3));
  if (pattern.includes('*')) return new RegExp(`^${pattern.split('*').map(escape).join('[^/]*')}$`).test(name);
  return pattern === name;
}

function matches(pattern: string[], file: string[]): boolean {
  if (pattern.length === 0) return file.length === 0;
  if (pattern[0] === '**') return file.length > 0;
  return file.length > 0 && segmentMatches(pattern[0]!, file[0]!) && matches(pattern.slice(1), file.slice(1));
}

/** "solutions/03-producer/ holds only src/ and mutants/": from the deepest folder of the file that holds parts. */
function adviceFor(file: string): string {
  const folders = segments(file).slice(0, -1);
  for (let depth = folders.length; depth >= 0; depth--) {
    const folder = folders.slice(0, depth);
    const entries = new Set<string>();
    for (const part of PARTS) {
      const pattern = segments(part);
      if (pattern.length <= depth || !folder.every((name, index) => segmentMatches(pattern[index]!, name))) continue;
      const rest = pattern.slice(depth);
      entries.add(rest.length === 1 ? rest[0]! : `${rest[0]}/`);
    }
    if (entries.size === 0) continue;
    const where = depth === 0 ? 'The top level' : `${folder.join('/')}/`;
    return `${where} holds only ${list([...entries])}: move it into one of them, or delete it`;
  }
  return 'delete it';
}

function list(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
