// Generates a step's starter from its reference solution: the one source of truth.
//
// In solutions/NN-name/src every region marked for step NN is the student's work. A task region
// becomes a line that throws `TODO(step NN, task T): …`, so the starter compiles and the first
// failing test says what to write; an omit region becomes a `// TODO` comment (for code that runs
// inside event handlers, where a throw would crash the process instead of failing a test); a given
// or rewrites region stays as it is (both are code the student does not write; which of them may
// stand where inherited code was is the drift check's business, see markers.ts). Marker lines
// never reach the starter.
import fs from 'node:fs';
import path from 'node:path';
import { listFiles, type Step } from '../steps.ts';
import { MarkerError, pad, parseRegions, todoText, withoutSlideRegions, type Region } from './markers.ts';

/**
 * Which task and omit regions keep the solution's code: those of tasks 1..N (a student part-way
 * through), or every one but a single region (so that its task's tests can be tried without it).
 */
export type Solved = number | { except: RegionAt };

/** A region and the file it is in, named as starterText is told it (see solutionFiles). */
export interface RegionAt {
  file: string;
  region: Region;
}

export function starterText(solutionText: string, stepNumber: number, file: string, solved: Solved = 0): string {
  const regions = parseRegions(solutionText, file);
  const lines = solutionText.split('\n');
  const out: string[] = [];
  let cursor = 0;
  for (const region of regions) {
    if (region.step !== stepNumber) {
      throw new MarkerError(
        file,
        region.start,
        `this is step ${pad(stepNumber)}'s solution but the marker is for step ${pad(region.step)};` +
          ' code from earlier steps is carried forward without markers',
      );
    }
    out.push(...lines.slice(cursor, region.start));
    const code = lines.slice(region.start + 1, region.end);
    out.push(...(isSolved(region, file, solved) ? code : inStarter(region, code)));
    cursor = region.end + 1;
  }
  out.push(...lines.slice(cursor));
  return withoutSlideRegions(out.join('\n'));
}

function isSolved(region: Region, file: string, solved: Solved): boolean {
  if (region.task === null) return false;
  if (typeof solved === 'number') return region.task <= solved;
  return !(solved.except.file === file && solved.except.region.start === region.start);
}

/** What a region of this step becomes in the starter. */
function inStarter(region: Region, code: string[]): string[] {
  switch (region.kind) {
    case 'task':
      return [`${region.indent}throw new Error(${quote(todoText(region))});`];
    case 'omit':
      return [`${region.indent}// ${todoText(region)}`];
    case 'given':
    case 'rewrites':
      return code;
    default:
      throw new Error(`no starter rule for region kind ${region.kind satisfies never}`);
  }
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Every file of the step's solution: path within src (with '/'), path to show (from the working directory), contents. */
function solutionFiles(step: Step): { relative: string; file: string; text: string }[] {
  return listFiles(step.solutionSrcDir).map((relative) => {
    const full = path.join(step.solutionSrcDir, ...relative.split('/'));
    return { relative, file: path.relative(process.cwd(), full), text: fs.readFileSync(full, 'utf8') };
  });
}

/** Every file of the step's starter: relative path (with '/') → contents. */
export function generateStarter(step: Step, solved: Solved = 0): Map<string, string> {
  const files = new Map<string, string>();
  for (const { relative, file, text } of solutionFiles(step)) files.set(relative, isSource(relative) ? starterText(text, step.number, file, solved) : text);
  return files;
}

/** The step's task and omit regions (the student's work), file by file, for `{ except: … }`. */
export function studentRegions(step: Step): RegionAt[] {
  return solutionFiles(step)
    .filter(({ relative }) => isSource(relative))
    .flatMap(({ file, text }) => parseRegions(text, file).filter((region) => region.task !== null).map((region) => ({ file, region })));
}

export function isSource(relative: string): boolean {
  return /\.(ts|tsx|js|mjs|cjs)$/.test(relative);
}

/** Writes the generated starter into `dir` (replacing whatever was there). */
export function writeStarter(step: Step, dir: string, solved: Solved = 0): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [relative, text] of generateStarter(step, solved)) {
    const target = path.join(dir, ...relative.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}
