// Which copy of the workshop's code a command runs, for the commands that run a step's code
// outside any one step (`npm run kcat`, `npm run broker`, `npm run cluster`): the newest step's
// reference by default, step NN's with `--step NN`, or the student's own with `--mine` (in the
// latest step they have edited, or in `--step NN`).
import fs from 'node:fs';
import path from 'node:path';
import { SOLUTIONS_DIR } from '../paths.ts';
import { UnknownStepError, findStep, listSteps, type Step } from '../steps.ts';
import { stepEdited } from './edits.ts';
import { UserError, colour, referenceMissing } from '../output.ts';

/** Thrown when there is no such file to run; the message says why and what to do. */
export class NoSource extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoSource';
  }
}

export interface SourceFlags {
  /** `--mine`: the student's steps/NN/src rather than the reference. */
  mine: boolean;
  /** The value of `--step`, if given (undefined when absent; '' when `--step` ends the line). */
  step: string | undefined;
  /** The arguments without `--mine` and `--step NN`. */
  rest: string[];
}

/** Takes `--mine` and `--step NN` out of the arguments. */
export function sourceFlags(argv: string[]): SourceFlags {
  const stepAt = argv.indexOf('--step');
  return {
    mine: argv.includes('--mine'),
    step: stepAt < 0 ? undefined : (argv[stepAt + 1] ?? ''),
    rest: argv.filter((arg, i) => arg !== '--mine' && (stepAt < 0 || (i !== stepAt && i !== stepAt + 1))),
  };
}

export interface SourceChoice {
  /** The file to run, e.g. solutions/06-consumer-groups/src/client/kcat.ts. */
  file: string;
  step: Step;
  mine: boolean;
}

export interface Wanted {
  /** The file inside a step's src/ to run: 'client/kcat.ts', 'index.ts'. */
  file: string;
  /** Its name in messages: 'kcat' ("Or run your own kcat with --mine", "kcat arrives in step 05"). */
  what: string;
  /** The step it arrives in, for messages: 'step 05'. */
  arrives: string;
}

/**
 * The file to run, as the flags say. Throws NoSource (or UnknownStepError for a bad `--step`).
 * With `--mine` and no `--step` it says on stderr which step it picked and why.
 */
export function chooseSource(wanted: Wanted, flags: Pick<SourceFlags, 'mine' | 'step'>): SourceChoice {
  const { mine } = flags;
  const fileOf = (step: Step) => path.join(mine ? step.srcDir : step.solutionSrcDir, wanted.file);
  const shown = (file: string) => path.relative(process.cwd(), file);
  const orMine = ` Or run your own ${wanted.what} with --mine.`;
  if (flags.step !== undefined) {
    const step = findStep(flags.step || undefined);
    if (!mine && !fs.existsSync(step.solutionSrcDir)) throw new NoSource(`${referenceMissing(step.solutionSrcDir)}${orMine}`);
    if (!fs.existsSync(fileOf(step))) throw new NoSource(`No ${wanted.file} in ${shown(path.dirname(fileOf(step)))}: ${wanted.what} arrives in ${wanted.arrives}.`);
    return { file: fileOf(step), step, mine };
  }
  if (!mine && !fs.existsSync(SOLUTIONS_DIR)) throw new NoSource(`${referenceMissing(SOLUTIONS_DIR)}${orMine}`);
  const candidates = listSteps().filter((step) => fs.existsSync(fileOf(step)));
  if (candidates.length === 0) throw new NoSource(`No ${wanted.file} found in ${mine ? 'steps' : 'solutions'}/*/src: ${wanted.what} arrives in ${wanted.arrives}.`);
  if (!mine) {
    const step = candidates.at(-1)!;
    return { file: fileOf(step), step, mine };
  }
  // Every later step's starter carries the file too, most of it already written: the student's
  // is in the latest step they have edited, or, before they have edited any, in the first step
  // that has one.
  const edits = new Map(candidates.map((step) => [step, stepEdited(step)]));
  const latestEdited = candidates.findLast((step) => edits.get(step)?.edited === true);
  const chosen = latestEdited ?? candidates[0]!;
  const known = [...edits.values()].filter((edit) => edit !== null).length;
  const why = latestEdited
    ? 'the latest step you have edited'
    : known === 0
      ? `${wanted.what} cannot tell which steps you have edited: this copy has neither solutions/ nor git, and npm run step has not run on them yet`
      : known < edits.size
        ? `none of the steps ${wanted.what} can check has edits`
        : 'you have not edited any step yet';
  process.stderr.write(colour.dim(`Running ${shown(fileOf(chosen))} (${why}; --step NN picks another).\n`));
  return { file: fileOf(chosen), step: chosen, mine };
}

/** The code to run, as --step and --mine say; a UserError when there is none. */
export function chooseCode(wanted: Wanted, source: SourceFlags): SourceChoice {
  try {
    return chooseSource(wanted, source);
  } catch (error) {
    if (error instanceof NoSource || error instanceof UnknownStepError) throw new UserError(error.message);
    throw error;
  }
}
