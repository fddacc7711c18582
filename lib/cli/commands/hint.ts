// `npm run hint NN`: the README's hints one at a time, starting with the ones for the task that
// `npm run step NN` named last; `-- 3` shows hint 3, `-- --reset` starts over.
import fs from 'node:fs';
import path from 'node:path';
import { WORK_DIR } from '../../paths.ts';
import { findStep, readmeHints, type Step } from '../../steps.ts';
import { UserError, colour, indent } from '../output.ts';

/** Per step: the hints already shown (older versions stored only the highest number). */
const PROGRESS_FILE = path.join(WORK_DIR, 'hints.json');
/** Per step: the task `npm run step` named as "Next" on its last run. */
const NEXT_TASK_FILE = path.join(WORK_DIR, 'next-task.json');

function readJson<T>(file: string): Record<string, T> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, T>;
  } catch {
    return {};
  }
}

function writeJson(file: string, value: object): void {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Called by `npm run step`: hints then start with this task's. */
export function rememberNextTask(step: Step, task: number | null): void {
  const next = readJson<number | null>(NEXT_TASK_FILE);
  next[step.name] = task;
  writeJson(NEXT_TASK_FILE, next);
}

function shownHints(progress: Record<string, number | number[]>, step: Step): Set<number> {
  const shown = progress[step.name];
  if (Array.isArray(shown)) return new Set(shown);
  return new Set(Array.from({ length: shown ?? 0 }, (_, i) => i + 1));
}

/** The tasks a hint is about, read from how it starts: "Task 3: …", "Task 1, range: …", "Tasks 2–5 …". */
export function tasksOfHint(hint: string): number[] {
  const lead = /^Tasks? ([^:.]{0,40})/.exec(hint.trim())?.[1];
  if (!lead) return [];
  const tasks = new Set<number>();
  for (const [, from, to] of lead.matchAll(/(\d+)(?:\s*[–-]\s*(\d+))?/g)) {
    for (let task = Number(from); task <= Number(to ?? from); task++) tasks.add(task);
  }
  return [...tasks];
}

export function hintCommand(args: string[]): number {
  const [stepArg, which] = args.filter((arg) => !arg.startsWith('--'));
  const step = findStep(stepArg);
  const hints = readmeHints(step);
  if (hints.length === 0) throw new UserError(`steps/${step.name}/README.md has no hints.`);
  const progress = readJson<number | number[]>(PROGRESS_FILE);
  const stepNumber = String(step.number).padStart(2, '0');
  if (args.includes('--reset')) {
    delete progress[step.name];
    writeJson(PROGRESS_FILE, progress);
    console.log(`Hints for step ${step.name} start again from hint 1.`);
    return 0;
  }

  const shown = shownHints(progress, step);
  const unseen = (number: number) => !shown.has(number);
  const numbers = hints.map((_, i) => i + 1);
  const task = readJson<number | null>(NEXT_TASK_FILE)[step.name] ?? null;
  let number: number;
  let forTask = false;
  if (which !== undefined) {
    number = Number(which);
    if (!Number.isInteger(number) || number < 1 || number > hints.length) {
      throw new UserError(`Step ${step.name} has hints 1 to ${hints.length}; "${which}" is not one of them.`);
    }
  } else {
    const forThisTask = task === null ? undefined : numbers.find((n) => unseen(n) && tasksOfHint(hints[n - 1]!).includes(task));
    forTask = forThisTask !== undefined;
    number = forThisTask ?? numbers.find(unseen) ?? hints.length;
  }
  shown.add(number);
  progress[step.name] = [...shown].sort((a, b) => a - b);
  writeJson(PROGRESS_FILE, progress);

  const about = forTask ? ` · for task ${task}, which npm run step ${stepNumber} named last` : '';
  console.log(colour.bold(`\nHint ${number} of ${hints.length} · step ${stepNumber}${about}\n`));
  console.log(indent(hints[number - 1]!, '  '));
  const left = numbers.filter(unseen);
  if (left.length > 0) console.log(colour.dim(`\nStill stuck? npm run hint ${stepNumber} shows another (${left.length} not seen yet); npm run hint ${stepNumber} -- N shows hint N.`));
  else console.log(colour.dim(`\nYou have seen every hint of this step. npm run hint ${stepNumber} -- N shows hint N again; -- --reset starts over.`));
  return 0;
}
