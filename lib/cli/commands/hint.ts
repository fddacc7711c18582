// `npm run hint NN`: the README's hints one at a time, first those for the task `npm run step NN`
// named last, then the rest in order; `-- 3` shows hint 3, `-- --reset` starts over.
import fs from 'node:fs';
import path from 'node:path';
import { findStep, listFiles, readmeHints, type Step } from '../../steps.ts';
import { UserError, colour, indent } from '../../output.ts';
import { lastStepRun, readState, writeState } from '../state.ts';

const SHOWN_FILE = 'hints.json';

/** The hint numbers already shown for a step. Older versions stored only the highest one. */
function readShown(step: Step): Set<number> {
  const shown = readState<number[] | number>(SHOWN_FILE)[step.name];
  if (typeof shown === 'number') return new Set(Array.from({ length: shown }, (_, i) => i + 1));
  return new Set(Array.isArray(shown) ? shown.filter(Number.isInteger) : []);
}

function writeShown(step: Step, shown: Set<number> | undefined): void {
  const all = readState<number[] | number>(SHOWN_FILE);
  if (shown) all[step.name] = [...shown].sort((a, b) => a - b);
  else delete all[step.name];
  writeState(SHOWN_FILE, all);
}

/**
 * The tasks a hint is for, when it opens by naming them: "Task 3: …", "Task 1, range: …",
 * "Task 2 and 3 …", "Tasks 2–5 …", "For task 3, …". A README hint opens with its summary
 * without "Hint N —" (`<summary>Hint 3 — task 2: …</summary>` gives "task 2: …"), so the task
 * it names there is the one it is for. A hint that opens otherwise ("every task: …") is for no task.
 */
export function hintTasks(hint: string): number[] {
  const opening = /^\W*(?:for\s+)?tasks?\s+(\d+(?:\s*(?:,|&|and|or|to|[–—-])\s*\d+)*)/i.exec(hint);
  if (!opening) return [];
  const tasks: number[] = [];
  for (const [, from, to] of opening[1]!.matchAll(/(\d+)(?:\s*(?:to|[–—-])\s*(\d+))?/gi)) {
    for (let task = Number(from); task <= Number(to ?? from); task++) tasks.push(task);
  }
  return tasks;
}

/** The task `npm run step NN` named last, unless the README or tests changed since that run. */
function namedTask(step: Step): number | undefined {
  const run = lastStepRun(step);
  if (!run) return undefined;
  const files = [step.readme, ...listFiles(step.testDir).map((file) => path.join(step.testDir, file))];
  const changed = files.some((file) => fs.existsSync(file) && fs.statSync(file).mtimeMs > Date.parse(run.at));
  return changed ? undefined : run.task;
}

export function hintCommand(args: string[]): number {
  const [stepArg, which] = args.filter((arg) => !arg.startsWith('--'));
  const step = findStep(stepArg);
  const hints = readmeHints(step);
  if (hints.length === 0) throw new UserError(`steps/${step.name}/README.md has no hints.`);
  if (args.includes('--reset')) {
    writeShown(step, undefined);
    console.log(`Hints for step ${step.name} start again from hint 1.`);
    return 0;
  }

  const stepNumber = String(step.number).padStart(2, '0');
  const shown = readShown(step);
  const task = namedTask(step);
  const numbers = hints.map((_, i) => i + 1);
  const unseen = (number: number) => !shown.has(number);
  const isForTask = (number: number) => task !== undefined && hintTasks(hints[number - 1]!).includes(task);

  let number: number;
  let why = '';
  if (which !== undefined) {
    number = Number(which);
    if (!Number.isInteger(number) || number < 1 || number > hints.length) {
      throw new UserError(`Step ${step.name} has hints 1 to ${hints.length}; "${which}" is not one of them.`);
    }
  } else {
    const forTask = numbers.find((n) => unseen(n) && isForTask(n));
    if (forTask !== undefined) {
      number = forTask;
      why = ` (for task ${task}, which npm run step ${stepNumber} named last)`;
    } else {
      // Nothing (left) for the named task: the next unseen hint in order, or the last one again.
      number = numbers.find(unseen) ?? hints.length;
      if (numbers.some(isForTask)) why = ` (you have seen every hint for task ${task}; this is the next in order)`;
    }
  }
  shown.add(number);
  writeShown(step, shown);

  console.log(`\n${colour.bold(`Hint ${number} of ${hints.length} · step ${stepNumber}`)}${why}\n`);
  console.log(indent(hints[number - 1]!, '  '));
  const specific = `npm run hint ${stepNumber} -- N shows hint N`;
  if (!numbers.some(unseen)) {
    console.log(colour.dim(`\nYou have seen every hint. ${specific} again; npm run hint ${stepNumber} -- --reset starts over.`));
  } else {
    const next = numbers.some((n) => unseen(n) && isForTask(n)) ? `the next one for task ${task}` : 'the next one';
    console.log(colour.dim(`\nStill stuck? npm run hint ${stepNumber} shows ${next}; ${specific}.`));
  }
  return 0;
}
