// `npm run hint NN`: the README's hints one at a time; `-- 3` shows hint 3, `-- --reset` starts over.
import fs from 'node:fs';
import path from 'node:path';
import { WORK_DIR } from '../../paths.ts';
import { findStep, readmeHints } from '../../steps.ts';
import { UserError, colour, indent } from '../output.ts';

const PROGRESS_FILE = path.join(WORK_DIR, 'hints.json');

function readProgress(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(PROGRESS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function writeProgress(progress: Record<string, number>): void {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(PROGRESS_FILE, JSON.stringify(progress, null, 2));
}

export function hintCommand(args: string[]): number {
  const [stepArg, which] = args.filter((arg) => !arg.startsWith('--'));
  const step = findStep(stepArg);
  const hints = readmeHints(step);
  if (hints.length === 0) throw new UserError(`steps/${step.name}/README.md has no hints.`);
  const progress = readProgress();
  if (args.includes('--reset')) {
    delete progress[step.name];
    writeProgress(progress);
    console.log(`Hints for step ${step.name} start again from hint 1.`);
    return 0;
  }

  let number: number;
  if (which !== undefined) {
    number = Number(which);
    if (!Number.isInteger(number) || number < 1 || number > hints.length) {
      throw new UserError(`Step ${step.name} has hints 1 to ${hints.length}; "${which}" is not one of them.`);
    }
  } else {
    number = Math.min((progress[step.name] ?? 0) + 1, hints.length);
  }
  progress[step.name] = Math.max(progress[step.name] ?? 0, number);
  writeProgress(progress);

  const stepNumber = String(step.number).padStart(2, '0');
  console.log(colour.bold(`\nHint ${number} of ${hints.length} · step ${stepNumber}\n`));
  console.log(indent(hints[number - 1]!, '  '));
  if (number < hints.length) console.log(colour.dim(`\nStill stuck? npm run hint ${stepNumber} shows the next one. Hints follow the tasks in order; npm run hint ${stepNumber} -- N jumps to hint N.`));
  else console.log(colour.dim(`\nThat was the last hint. npm run hint ${stepNumber} -- --reset starts over.`));
  return 0;
}
