// What the CLI remembers between runs, as small JSON files in the git-ignored .kfs/ folder:
// which hints a student has seen, and which task `npm run step NN` named last.
import fs from 'node:fs';
import path from 'node:path';
import { WORK_DIR } from '../paths.ts';
import type { Step } from '../steps.ts';

/** A missing or unreadable file is an empty record: state is a convenience, never a blocker. */
export function readState<T>(file: string): Partial<Record<string, T>> {
  try {
    return JSON.parse(fs.readFileSync(path.join(WORK_DIR, file), 'utf8')) as Record<string, T>;
  } catch {
    return {};
  }
}

export function writeState<T>(file: string, state: Partial<Record<string, T>>): void {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  fs.writeFileSync(path.join(WORK_DIR, file), JSON.stringify(state, null, 2));
}

// ---- The task `npm run step NN` named last, per step --------------------------------------

const STEP_RUNS_FILE = 'step-runs.json';

export interface StepRun {
  step: number;
  /** The task printed as "Next: task N — …". */
  task: number;
  /** When the run ended, as an ISO date. */
  at: string;
}

/** Remembers the task a run named, or forgets the step's last one when a run named none. */
export function recordStepRun(step: Step, task: number | undefined): void {
  const runs = readState<StepRun>(STEP_RUNS_FILE);
  if (task === undefined) delete runs[step.name];
  else runs[step.name] = { step: step.number, task, at: new Date().toISOString() };
  writeState(STEP_RUNS_FILE, runs);
}

export function lastStepRun(step: Step): StepRun | undefined {
  const run = readState<StepRun>(STEP_RUNS_FILE)[step.name];
  return run && Number.isInteger(run.task) && Number.isFinite(Date.parse(run.at)) ? run : undefined;
}
