// `npm run progress`: every step with how many of its tests pass on the student's code.
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { runTests } from '../../runner/run-tests.ts';
import { listSteps } from '../../steps.ts';
import { colour } from '../output.ts';

export async function progressCommand(): Promise<number> {
  const steps = listSteps();
  console.log(colour.dim(`Running the tests of ${steps.length} ${steps.length === 1 ? 'step' : 'steps'} against steps/*/src …`));
  const result = await runTests({ target: 'student', paths: steps.map((step) => path.relative(ROOT, step.testDir)) });
  console.log('');
  for (const step of steps) {
    const tests = result.tests.filter((test) => test.step === step.name && test.state !== 'skipped');
    const broken = result.brokenFiles.some((file) => file.file.startsWith(path.relative(ROOT, step.dir)));
    const passed = tests.filter((test) => test.state === 'passed').length;
    const label = `${String(step.number).padStart(2, '0')} ${step.slug}`.padEnd(22);
    const bar = tests.length === 0 ? '' : '█'.repeat(Math.round((passed / tests.length) * 20)).padEnd(20, '░');
    const status = broken
      ? colour.red('cannot load its tests (a syntax error in src/?)')
      : passed === tests.length && tests.length > 0
        ? colour.green(`${bar} ${passed}/${tests.length} done`)
        : colour.yellow(`${bar} ${passed}/${tests.length}`);
    console.log(`  ${label} ${status}`);
  }
  const next = steps.find((step) => result.tests.some((test) => test.step === step.name && test.state === 'failed'));
  if (next) console.log(`\nKeep going: npm run step ${String(next.number).padStart(2, '0')}`);
  return 0;
}
