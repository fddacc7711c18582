// npm test, phase 1: every step has its parts (README sections, tests, solution, demo, mutants,
// deck), every solution's src/ is in its rooms, every file of the repository belongs to a known
// part and none is too long to read in one go. Also the Checks every phase records its results in.
import fs from 'node:fs';
import path from 'node:path';
import { repositoryFiles, strayFiles, unpairedFolders } from '../../layout.ts';
import { ROOT, SLIDES_DIR } from '../../paths.ts';
import { roomProblems, staleCitations } from '../../source/rooms.ts';
import { listMutants } from '../../source/mutants.ts';
import { readmeHints, readmeSection, readmeTasks, type Step } from '../../steps.ts';
import { clip, colour, indent } from '../../output.ts';

const README_SECTIONS = ['Goal', 'Why', 'Tasks', 'Try it', 'Hints', 'Done when', 'Going further'];
/** The longest a file of a solution's src or of lib may be, tests aside: one idea, read in one go. */
export const MAX_LINES = 400;

export class Checks {
  passed = 0;
  failed = 0;
  skipped = 0;

  skip(what: string, why: string): void {
    this.skipped++;
    console.log(`  ${colour.yellow('-')} ${what} ${colour.dim(`(${why})`)}`);
  }

  record(passed: boolean, what: string, details: string[] = []): void {
    if (passed) {
      this.passed++;
      console.log(`  ${colour.green('✓')} ${what}`);
    } else {
      this.failed++;
      console.log(`  ${colour.red('✗')} ${what}`);
      for (const detail of details) console.log(indent(clip(detail, 10), '      '));
    }
  }
}

export function checkParts(step: Step, checks: Checks): void {
  const missing: string[] = [];
  const readme = fs.existsSync(step.readme);
  if (!readme) missing.push(`${rel(step.readme)} is missing`);
  else {
    for (const section of README_SECTIONS) if (readmeSection(step, section) === '') missing.push(`README has no "## ${section}" section`);
    if (readmeTasks(step).length === 0) missing.push('README has no "### Task N — Title" headings under Tasks');
    if (readmeHints(step).length === 0) missing.push('README has no hints under Hints');
    const summaries = [...readmeSection(step, 'Hints').matchAll(/<summary>\s*Hint\s+(\d+)/gi)].map((match) => Number(match[1]));
    if (summaries.some((number, i) => number !== i + 1)) missing.push(`README's hints are not numbered 1, 2, 3, … in order (${summaries.join(', ')})`);
  }
  if (!fs.existsSync(step.testDir) || !fs.readdirSync(step.testDir).some((file) => file.endsWith('.test.ts'))) missing.push(`${rel(step.testDir)} has no *.test.ts`);
  if (!fs.existsSync(path.join(step.solutionSrcDir, 'index.ts'))) missing.push(`${rel(step.solutionSrcDir)}/index.ts is missing`);
  if (!fs.existsSync(step.demo)) missing.push(`${rel(step.demo)} is missing`);
  if (listMutants(step).length === 0) missing.push(`${rel(step.solutionDir)}/mutants/ has no *.patch`);
  const decks = fs.existsSync(SLIDES_DIR) ? fs.readdirSync(SLIDES_DIR).filter((file) => file.startsWith(`${pad(step.number)}-`) && file.endsWith('.md')) : [];
  if (decks.length === 0) missing.push(`slides/${step.name}.md is missing`);
  checks.record(missing.length === 0, `${step.name} has README, tests, solution, demo, mutants and deck`, missing);
}

/** The solution's src/ in rooms, imports along the arrows, no cycle (lib/source/rooms.ts). */
export function checkRooms(step: Step, checks: Checks): void {
  if (!fs.existsSync(step.solutionSrcDir)) return;
  const problems = [...roomProblems(step.solutionSrcDir), ...staleCitations(step.solutionSrcDir, ROOT)];
  checks.record(problems.length === 0, `solutions/${step.name}/src: every file in its room, imports one way, no cycle, no stale file name`, [
    ...problems.map(({ file, problem }) => `src/${file} ${problem}`),
    ...(problems.length ? ['The rooms and what each may import are in lib/source/rooms.ts.'] : []),
  ]);
}

export function checkLayout(checks: Checks): void {
  const files = repositoryFiles();
  if (files === null) console.log(colour.dim('  (not a git checkout: stray files are not looked for)'));
  else {
    const strays = strayFiles(files);
    checks.record(strays.length === 0, 'every file belongs to a known part of the workshop', [
      ...strays.map((stray) => `${stray.file}: ${stray.advice}`),
      ...(strays.length ? ['The parts are listed in lib/layout.ts.'] : []),
    ]);
    const long = files.filter(isReadCode).map((file) => ({ file, lines: lineCount(file) })).filter(({ lines }) => lines > MAX_LINES);
    checks.record(long.length === 0, `no file of a solution's src or of lib is over ${MAX_LINES} lines (tests aside)`, [
      ...long.map(({ file, lines }) => `${file}: ${lines} lines`),
      ...(long.length ? ['Cut it where Kafka does (one class or idea per file), in the step that brought the code, and npm run carry it on.'] : []),
    ]);
  }
  const unpaired = unpairedFolders();
  checks.record(unpaired.length === 0, 'every step folder has its solution and every deck its step', unpaired);
}

/** Code a student reads or a maintainer changes: a solution's src, lib (tests aside). */
function isReadCode(file: string): boolean {
  return file.endsWith('.ts') && !file.includes('/test/') && (/^solutions\/[^/]+\/src\//.test(file) || file.startsWith('lib/'));
}

function lineCount(file: string): number {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

export function rel(file: string): string {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

export function pad(step: number): string {
  return String(step).padStart(2, '0');
}
