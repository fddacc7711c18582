// `npm run progress`: every step with how many of its tests pass on the student's code.
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { ALONE_WORKERS, runTests } from '../../runner/run-tests.ts';
import { listSteps, type Step } from '../../steps.ts';
import { stepEdited } from '../edits.ts';
import { colour } from '../../output.ts';

export async function progressCommand(): Promise<number> {
  const steps = listSteps();
  // Every step has its own starter, so a student who began at step 05 has steps 01 to 04
  // untouched: what matters is which steps' src/ they have edited. An untouched starter fails
  // every test (npm test proves it), so only the other steps' tests run: a few seconds for the
  // steps a student is on, not minutes for all nine. When nothing can tell (edits.ts: no
  // solutions/, no git, no fingerprint), a step is called neither edited nor untouched, and runs.
  const edits = new Map(steps.map((step) => [step.number, stepEdited(step)]));
  const touched = new Set(steps.filter((step) => edits.get(step.number)?.edited === true).map((step) => step.number));
  const untouched = new Set(steps.filter((step) => edits.get(step.number)?.edited === false).map((step) => step.number));
  const running = steps.filter((step) => !untouched.has(step.number));
  if (running.length > 0) console.log(colour.dim(`Running the tests of ${running.map((step) => step.name.slice(0, 2)).join(', ')} against steps/*/src (the other steps are untouched starters) …`));
  const result = running.length > 0 ? await runTests({ target: 'student', paths: running.map((step) => path.relative(ROOT, step.testDir)), maxWorkers: ALONE_WORKERS }) : { tests: [], brokenFiles: [] };
  console.log('');
  const unfinished = new Set<number>();
  for (const step of steps) {
    if (untouched.has(step.number)) {
      unfinished.add(step.number);
      console.log(`  ${`${String(step.number).padStart(2, '0')} ${step.slug}`.padEnd(22)} ${colour.dim('not started (the untouched starter)')}`);
      continue;
    }
    const tests = result.tests.filter((test) => test.step === step.name && test.state !== 'skipped');
    const broken = result.brokenFiles.some((file) => file.file.startsWith(path.relative(ROOT, step.dir)));
    const passed = tests.filter((test) => test.state === 'passed').length;
    if (broken || tests.some((test) => test.state === 'failed')) unfinished.add(step.number);
    const label = `${String(step.number).padStart(2, '0')} ${step.slug}`.padEnd(22);
    const bar = tests.length === 0 ? '' : '█'.repeat(Math.round((passed / tests.length) * 20)).padEnd(20, '░');
    const status = broken
      ? colour.red('cannot load its tests (a syntax error in src/?)')
      : passed === tests.length && tests.length > 0
        ? colour.green(`${bar} ${passed}/${tests.length} done`)
        : colour.yellow(`${bar} ${passed}/${tests.length}`);
    console.log(`  ${label} ${status}`);
  }
  const next = nextStep(steps, touched, unfinished);
  if (next) console.log(`\nKeep going: npm run step ${String(next.number).padStart(2, '0')}`);
  return 0;
}

/** The first unfinished step from the latest one the student has edited on, else the first unfinished one. */
function nextStep(steps: Step[], touched: Set<number>, unfinished: Set<number>): Step | undefined {
  const latest = Math.max(0, ...touched);
  return steps.find((step) => step.number >= latest && unfinished.has(step.number)) ?? steps.find((step) => unfinished.has(step.number));
}
