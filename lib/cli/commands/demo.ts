// `npm run demo NN`: the step's live demo, on the reference by default, on your code with --mine.
// The demo is part of the step (steps/NN-name/demo.ts), not of the reference: it receives the
// module to run (the step's src/index.ts, yours or the reference's) and imports nothing else of
// the step's code, so `--mine` works in a copy of the workshop without solutions/.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../../paths.ts';
import { todoIn } from '../../source/markers.ts';
import { findStep } from '../../steps.ts';
import { UserError, colour, referenceMissing } from '../../output.ts';

/** What a demo module (steps/NN-name/demo.ts) default-exports. */
export type Demo<Api = Record<string, unknown>> = (api: Api, args: string[], context: DemoContext) => Promise<void>;

/** What a demo may need beyond the module: where that code is (a demo that starts broker processes hands it to them). */
export interface DemoContext {
  srcDir: string;
}

export async function demoCommand(args: string[]): Promise<number> {
  const mine = args.includes('--mine');
  const positional = args.filter((arg) => !arg.startsWith('--'));
  const step = findStep(positional[0]);
  const demoFile = step.demo;
  if (!fs.existsSync(demoFile)) throw new UserError(`Step ${step.name} has no demo yet (expected ${path.relative(ROOT, demoFile)}).`);
  const srcDir = mine ? step.srcDir : step.solutionSrcDir;
  if (!mine && !fs.existsSync(srcDir)) throw new UserError(`${referenceMissing(srcDir)} Or run the demo on your own code: npm run demo ${String(step.number).padStart(2, '0')} -- --mine`);
  console.log(colour.dim(`Demo of step ${step.name}, running ${path.relative(ROOT, srcDir)}${mine ? '' : ' (add -- --mine to run your own code)'}. Ctrl-C stops it.\n`));
  const api = (await import(pathToFileURL(path.join(srcDir, 'index.ts')).href)) as Record<string, unknown>;
  const demo = (await import(pathToFileURL(demoFile).href)) as { default: Demo };
  const stepNumber = String(step.number).padStart(2, '0');
  // A stub the student has not written yet is not a crash: say which one, and where to go. It may
  // surface in the demo's own promise, or in one the demo started and awaits later (a consumer
  // loop running beside a producer), or in an event handler: all three end here.
  const reachedTodo = (error: unknown): void => {
    const todo = mine ? todoIn(String((error as Error)?.message ?? error)) : null;
    if (!todo) throw error;
    console.error(colour.red(`\nThe demo reached code you have not written yet:\n  ${todo}`));
    console.error(`Make npm run step ${stepNumber} pass first (or run the reference: npm run demo ${stepNumber}).`);
    process.exit(1); // the demo's broker and clients are still open; do not wait for them
  };
  if (mine) {
    const uncaught = (error: unknown): void => {
      if (todoIn(String((error as Error)?.message ?? error))) reachedTodo(error);
      console.error(error); // any other error crashes the demo, as it would without this handler
      process.exit(1);
    };
    process.on('unhandledRejection', uncaught);
    process.on('uncaughtException', uncaught);
  }
  try {
    await demo.default(api, positional.slice(1), { srcDir });
  } catch (error) {
    reachedTodo(error);
  }
  return 0;
}
