// `npm run kcat -- -b host:port -L|-P|-C …`: runs the kcat of the newest step that has one
// (solutions/NN-*/src/kcat.ts), or of step NN with `--step NN`, or your own with `--mine`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findStep, listSteps } from '../steps.ts';

type Kcat = (argv: string[], io: { stdin: AsyncIterable<string | Buffer>; stdout: (text: string) => void; stderr: (text: string) => void; signal?: AbortSignal }) => Promise<number>;

const argv = process.argv.slice(2);
const mine = argv.includes('--mine');
const stepAt = argv.indexOf('--step');
const step = stepAt >= 0 ? findStep(argv[stepAt + 1]) : listSteps().findLast((candidate) => fs.existsSync(path.join(candidate.solutionSrcDir, 'kcat.ts')));
const rest = argv.filter((arg, i) => arg !== '--mine' && (stepAt < 0 || (i !== stepAt && i !== stepAt + 1)));
const file = step && path.join(mine ? step.srcDir : step.solutionSrcDir, 'kcat.ts');
if (!file || !fs.existsSync(file)) {
  console.error(`No kcat.ts found${step ? ` in ${path.relative(process.cwd(), path.dirname(file!))}` : ''}: kcat arrives in step 05.`);
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
