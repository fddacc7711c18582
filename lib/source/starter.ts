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
import { MarkerError, pad, parseRegions, todoText, type Region } from './markers.ts';

/** `solvedUpTo`: task regions up to this task keep the solution's code (a student part-way through). */
export function starterText(solutionText: string, stepNumber: number, file: string, solvedUpTo = 0): string {
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
    const solved = region.task !== null && region.task <= solvedUpTo;
    out.push(...(solved ? code : inStarter(region, code)));
    cursor = region.end + 1;
  }
  out.push(...lines.slice(cursor));
  return out.join('\n');
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

/** Every file of the step's starter: relative path (with '/') → contents. */
export function generateStarter(step: Step, solvedUpTo = 0): Map<string, string> {
  const files = new Map<string, string>();
  for (const relative of listFiles(step.solutionSrcDir)) {
    const full = path.join(step.solutionSrcDir, ...relative.split('/'));
    const text = fs.readFileSync(full, 'utf8');
    files.set(relative, isSource(relative) ? starterText(text, step.number, path.relative(process.cwd(), full), solvedUpTo) : text);
  }
  return files;
}

export function isSource(relative: string): boolean {
  return /\.(ts|tsx|js|mjs|cjs)$/.test(relative);
}

/** Writes the generated starter into `dir` (replacing whatever was there). */
export function writeStarter(step: Step, dir: string, solvedUpTo = 0): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [relative, text] of generateStarter(step, solvedUpTo)) {
    const target = path.join(dir, ...relative.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}
