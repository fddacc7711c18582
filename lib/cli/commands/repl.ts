// `npm run repl NN`: a TypeScript REPL (ts-node) with the step's exports already in scope.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { create, createRepl } from 'ts-node';
import { ROOT } from '../../paths.ts';
import { findStep } from '../../steps.ts';
import { colour } from '../../output.ts';

export async function replCommand(args: string[]): Promise<number> {
  const step = findStep(args.find((arg) => !arg.startsWith('--')));
  const srcDir = args.includes('--solution') ? step.solutionSrcDir : step.srcDir;
  const api = (await import(pathToFileURL(path.join(srcDir, 'index.ts')).href)) as Record<string, unknown>;
  // The REPL evaluates in the global scope, so the exports become globals.
  Object.assign(globalThis, api);

  console.log(colour.bold(`Step ${step.name} · ${path.relative(ROOT, srcDir)} loaded.`));
  console.log(`In scope: ${Object.keys(api).join(', ')}`);
  console.log(colour.dim('Try:  const broker = new Broker({ port: 0 })'));
  console.log(colour.dim('      await broker.start()      (an awaited expression prints its value)'));
  console.log(colour.dim('      await broker.stop()'));
  console.log(colour.dim('Type .exit or press Ctrl-D to leave.\n'));

  const repl = createRepl();
  const service = create({
    ...repl.evalAwarePartialHost,
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: 'commonjs', moduleResolution: 'node', target: 'es2022', strict: false },
  });
  repl.setService(service);
  repl.start();
  // Keep the process alive until the REPL closes.
  return new Promise<number>(() => {});
}
