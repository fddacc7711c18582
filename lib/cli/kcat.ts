// `npm run kcat -- -b host:port -L|-P|-C …`: runs the kcat of the newest step that has one
// (solutions/NN-*/src/client/kcat.ts), or of step NN with `--step NN`, or your own with `--mine`
// (steps/NN-*/src/client/kcat.ts of the latest step you have edited, or of `--step NN`); the choice is
// choose-source.ts's, shared with `npm run broker` and `npm run cluster`.
import { pathToFileURL } from 'node:url';
import { UnknownStepError } from '../steps.ts';
import { NoSource, chooseSource, sourceFlags } from './choose-source.ts';
import { colour } from '../output.ts';

type Kcat = (argv: string[], io: { stdin: AsyncIterable<string | Buffer>; stdout: (text: string) => void; stderr: (text: string) => void; signal?: AbortSignal }) => Promise<number>;

const flags = sourceFlags(process.argv.slice(2));

let file: string;
try {
  file = chooseSource({ file: 'client/kcat.ts', what: 'kcat', arrives: 'step 05' }, flags).file;
} catch (error) {
  if (!(error instanceof NoSource || error instanceof UnknownStepError)) throw error;
  console.error(colour.red(error.message));
  process.exit(2);
}
const { kcat } = (await import(pathToFileURL(file).href)) as { kcat: Kcat };
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await kcat(flags.rest, {
  stdin: process.stdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
});
