// Finding steps by number or name, and reading the parts of a step's README the CLI shows.
import fs from 'node:fs';
import path from 'node:path';
import { SOLUTIONS_DIR, STEPS_DIR } from './paths.ts';

export interface Step {
  /** 1, 2, … */
  number: number;
  /** "01-echo-broker" */
  name: string;
  /** "echo-broker" */
  slug: string;
  dir: string;
  srcDir: string;
  testDir: string;
  readme: string;
  /** steps/NN-name/demo.ts: the step's demo, run on either copy of its code. */
  demo: string;
  solutionDir: string;
  solutionSrcDir: string;
}

export function listSteps(): Step[] {
  if (!fs.existsSync(STEPS_DIR)) return [];
  return fs
    .readdirSync(STEPS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d{2}-/.test(entry.name))
    .map((entry) => stepFromName(entry.name))
    .sort((a, b) => a.number - b.number);
}

function stepFromName(name: string): Step {
  const dir = path.join(STEPS_DIR, name);
  const solutionDir = path.join(SOLUTIONS_DIR, name);
  return {
    number: Number(name.slice(0, 2)),
    name,
    slug: name.slice(3),
    dir,
    srcDir: path.join(dir, 'src'),
    testDir: path.join(dir, 'test'),
    readme: path.join(dir, 'README.md'),
    demo: path.join(dir, 'demo.ts'),
    solutionDir,
    solutionSrcDir: path.join(solutionDir, 'src'),
  };
}

export class UnknownStepError extends Error {
  constructor(given: string | undefined) {
    const steps = listSteps();
    const list = steps.map((step) => `  ${step.name}`).join('\n') || '  (none yet)';
    super(
      `${given === undefined ? 'Which step? Give a step number' : `There is no step "${given}"`}.` +
        ` Use a number (4), two digits (04) or the full name (04-commit-log). The steps are:\n${list}`,
    );
    this.name = 'UnknownStepError';
  }
}

/** Accepts 4, "04" or "04-commit-log". */
export function findStep(given: string | undefined): Step {
  if (given === undefined || given === '') throw new UnknownStepError(given);
  const steps = listSteps();
  const byName = steps.find((step) => step.name === given || step.slug === given);
  if (byName) return byName;
  if (/^\d{1,2}$/.test(given)) {
    const byNumber = steps.find((step) => step.number === Number(given));
    if (byNumber) return byNumber;
  }
  throw new UnknownStepError(given);
}

export function nextStep(step: Step): Step | undefined {
  return listSteps().find((other) => other.number === step.number + 1);
}

export function previousStep(step: Step): Step | undefined {
  return listSteps().find((other) => other.number === step.number - 1);
}

// ---- The README ---------------------------------------------------------------------------

export interface ReadmeTask {
  number: number;
  title: string;
  /** The task's text up to the next task heading. */
  body: string;
}

function readReadme(step: Step): string {
  return fs.existsSync(step.readme) ? fs.readFileSync(step.readme, 'utf8') : '';
}

/** The README's title line without the leading '#', e.g. "Step 01 · The echo broker". */
export function readmeTitle(step: Step): string {
  const heading = /^#\s+(.+)$/m.exec(readReadme(step));
  return heading?.[1]?.trim() ?? step.name;
}

/** The body of a `## N. Name` (or `## Name`) section, without its heading. */
export function readmeSection(step: Step, name: string): string {
  const lines = readReadme(step).split('\n');
  const wanted = new RegExp(`^##\\s+(\\d+\\.\\s+)?${name}\\b`, 'i');
  const start = lines.findIndex((line) => wanted.test(line));
  if (start === -1) return '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => /^##\s/.test(line));
  return (end === -1 ? rest : rest.slice(0, end)).join('\n').trim();
}

/** Tasks are `### Task N — Title` headings inside the Tasks section. */
export function readmeTasks(step: Step): ReadmeTask[] {
  const section = readmeSection(step, 'Tasks');
  const parts = section.split(/^### /m).slice(1);
  return parts.flatMap((part) => {
    const [heading = '', ...body] = part.split('\n');
    const match = /^Task\s+(\d+)\s*[—:-]\s*(.+)$/.exec(heading.trim());
    if (!match) return [];
    return [{ number: Number(match[1]), title: match[2]!.trim(), body: body.join('\n').trim() }];
  });
}

/**
 * Hints are the Hints section's collapsed blocks, one per hint, numbered in order:
 *
 *     <details><summary>Hint 3 — task 2: where a read starts</summary>
 *
 *     …the hint, any Markdown…
 *
 *     </details>
 *
 * A hint's text is its summary without "Hint N —", then its body, so it opens with the task it
 * is for ("task 2: where a read starts …"). A Hints section without such blocks is read the
 * older way: its numbered list items (`1. …`), each possibly multi-line.
 */
export function readmeHints(step: Step): string[] {
  const section = readmeSection(step, 'Hints');
  const blocks = [...section.matchAll(/<details>\s*<summary>([\s\S]*?)<\/summary>([\s\S]*?)<\/details>/g)];
  if (blocks.length > 0) {
    return blocks.map(([, summary = '', body = '']) => {
      const title = summary.trim().replace(/^hint\s+\d+\s*[—:–-]\s*/i, '');
      return `${title}\n\n${body.trim()}`.trim();
    });
  }
  const hints: string[] = [];
  for (const line of section.split('\n')) {
    const item = /^\d+\.\s+(.*)$/.exec(line);
    if (item) hints.push(item[1]!);
    else if (hints.length > 0 && line.trim() !== '') hints[hints.length - 1] += `\n${line.replace(/^ {3}/, '')}`;
    else if (hints.length > 0) hints[hints.length - 1] += '\n';
  }
  return hints.map((hint) => hint.trim());
}

/** Files under a directory, as paths relative to it with '/' separators, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
