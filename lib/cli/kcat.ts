// `npm run kcat -- -b host:port -L|-P|-C …`: runs the kcat of the newest step that has one
// (solutions/NN-*/src/kcat.ts), or of step NN with `--step NN`, or your own with `--mine`
// (steps/NN-*/src/kcat.ts of the latest step you have worked on, or of `--step NN`).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SOLUTIONS_DIR } from '../paths.ts';
import { UnknownStepError, findStep, listSteps, type Step } from '../steps.ts';
import { stepEdited } from './edits.ts';
import { colour, referenceMissing } from './output.ts';

type Kcat = (argv: string[], io: { stdin: AsyncIterable<string | Buffer>; stdout: (text: string) => void; stderr: (text: string) => void; signal?: AbortSignal }) => Promise<number>;

/** Thrown when there is no kcat.ts to run; the message says why and what to do. */
class NoKcat extends Error {}

const argv = process.argv.slice(2);
const mine = argv.includes('--mine');
const stepAt = argv.indexOf('--step');
const rest = argv.filter((arg, i) => arg !== '--mine' && (stepAt < 0 || (i !== stepAt && i !== stepAt + 1)));
const kcatOf = (step: Step) => path.join(mine ? step.srcDir : step.solutionSrcDir, 'kcat.ts');
const shown = (file: string) => path.relative(process.cwd(), file);

/** The kcat.ts to run, as the flags say. */
function chooseKcat(): string {
  if (stepAt >= 0) {
    const step = findStep(argv[stepAt + 1]);
    if (!mine && !fs.existsSync(step.solutionSrcDir)) throw new NoKcat(`${referenceMissing(step.solutionSrcDir)} Or run your own kcat with --mine.`);
    if (!fs.existsSync(kcatOf(step))) throw new NoKcat(`No kcat.ts in ${shown(path.dirname(kcatOf(step)))}: kcat arrives in step 05.`);
    return kcatOf(step);
  }
  if (!mine && !fs.existsSync(SOLUTIONS_DIR)) throw new NoKcat(`${referenceMissing(SOLUTIONS_DIR)} Or run your own kcat with --mine.`);
  const candidates = listSteps().filter((step) => fs.existsSync(kcatOf(step)));
  if (candidates.length === 0) throw new NoKcat(`No kcat.ts found in ${mine ? 'steps' : 'solutions'}/*/src: kcat arrives in step 05.`);
  if (!mine) return kcatOf(candidates.at(-1)!);
  // Every later step's starter carries kcat.ts too, most of it already written: yours is in the
  // latest step you have edited, or, before you have edited any, in the first step that has one.
  const edits = new Map(candidates.map((step) => [step, stepEdited(step)]));
  const latestEdited = candidates.findLast((step) => edits.get(step)?.edited === true);
  const chosen = latestEdited ?? candidates[0]!;
  const known = [...edits.values()].filter((edit) => edit !== null).length;
  const why = latestEdited
    ? 'the latest step you have edited'
    : known === 0
      ? 'kcat cannot tell which steps you have edited: this copy has neither solutions/ nor git, and npm run step has not run on them yet'
      : known < edits.size
        ? 'none of the steps kcat can check has edits'
        : 'you have not edited any step yet';
  process.stderr.write(colour.dim(`Running ${shown(kcatOf(chosen))} (${why}; --step NN picks another).\n`));
  return kcatOf(chosen);
}

let file: string;
try {
  file = chooseKcat();
} catch (error) {
  if (!(error instanceof NoKcat || error instanceof UnknownStepError)) throw error;
  console.error(colour.red(error.message));
  process.exit(2);
}
const { kcat } = (await import(pathToFileURL(file).href)) as { kcat: Kcat };
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await kcat(rest, {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
});
