// `npm test`: proves the whole workshop is sound.
//
//   1. every step has its parts (README sections, tests, solution, demo, mutants, deck), and every
//      file belongs to a part of the workshop (lib/layout.ts)
//   2. markers parse and each committed starter is what the generator makes
//   3. each solution carries the previous one forward (changes only inside its own regions), and
//      every mutant still applies to its solution
//   4. everything type-checks: lib, solutions, and the starters as generated, with their tests
//   5. every reference solution passes its step's tests (and lib's own tests pass)
//   6. every test fails on the untouched starter, on a TODO or an assertion
//   7. every mutant is caught by at least one test
//   8. with a step named (`npm test -- 06`): the tasks can be done in order, i.e. with tasks 1..N
//      solved, every test of tasks up to N passes (no test is blocked by a later task's stub)
//   9. with a step named: each task is tested by its own tests, i.e. with every region solved but
//      one, some test of that region's task fails (no half of a task is left to a later task's tests)
//
// `npm test -- --quick` runs phases 1 to 3 only (a second or two): the check to make before every
// commit that touches a solution, after npm run carry or generate.
//
// It looks at the starters as the generator makes them, never at a student's working copy, so
// a student halfway through the workshop still gets a true answer. Phases 4 to 9 run side by side,
// one run per core, each vitest run in its own process; their checks still print in order, and
// the wall time of each phase closes the report.
import fs from 'node:fs';
import path from 'node:path';
import { chromiumMissingMessage, REQUIRE_BROWSER } from '../../slides/browser.ts';
import { GENERATED_STARTERS_DIR, ROOT, WORK_DIR } from '../../paths.ts';
import { pool, runTestsApart, stopTestChildren } from '../../runner/apart.ts';
import type { RunResult, TestOutcome } from '../../runner/run-tests.ts';
import { driftBetween } from '../../source/drift.ts';
import { todoIn } from '../../source/markers.ts';
import { listMutants, materialize, mutantProblem, type Mutant } from '../../source/mutants.ts';
import { studentRegions, writeStarter, type RegionAt } from '../../source/starter.ts';
import { typecheck } from '../../source/typecheck.ts';
import { starterSyncProblems } from '../../source/sync.ts';
import { findStep, listSteps, previousStep, readmeTasks, type Step } from '../../steps.ts';
import { colour, heading } from '../../output.ts';
import { Timing } from './verify-timing.ts';
import { INSTALL, missingExtras } from '../../testing/real-clients.ts';
import { Checks, checkLayout, checkParts, checkRooms, pad, rel } from './verify-parts.ts';

/** The tests that drive Chromium: skipped, with one line of advice, where there is none. */
const BROWSER_TESTS = ['lib/slides/test/browser.test.ts', 'lib/dashboard/test/browser.test.ts'];

export async function verifyCommand(args: string[]): Promise<number> {
  const named = args.find((arg) => !arg.startsWith('--'));
  const steps = named ? [findStep(named)] : listSteps();
  const checks = new Checks();
  // Kafka's own clients (kcat, kafka-python) are extras a laptop may lack: their tests skip
  // themselves here (a student's npm run step never skips them), unless CI requires every extra.
  const missing = missingExtras();
  if (process.env.KFS_REQUIRE_EXTRAS !== '1') process.env.KFS_EXTRAS_OPTIONAL = '1';
  /** How many of a step's tests in `run` skipped themselves for want of an extra. */
  const clientTestsSkipped = (run: RunResult, step: Step) => (missing.length > 0 ? skippedFor(run, step).length : 0);
  const started = Date.now();
  const timing = new Timing(started);
  const checksDone = timing.phase('1-3. parts, sync, drift');
  checksDone.from = started;

  heading('1. Every step has its parts, and every file belongs to a part');
  for (const step of steps) checkParts(step, checks);
  for (const step of steps) checkRooms(step, checks);
  checkLayout(checks);

  heading('2. Starters are generated from the solutions');
  for (const step of steps) {
    try {
      const problems = starterSyncProblems(step);
      checks.record(problems.length === 0, `steps/${step.name}/src is in sync`, [
        ...problems.map((problem) => `${problem.file} ${problem.problem}`),
        ...(problems.length ? ['Run npm run generate to rewrite the starters from the solutions.'] : []),
      ]);
    } catch (error) {
      checks.record(false, `steps/${step.name}: markers`, [(error as Error).message]);
    }
  }

  heading('3. Each solution carries the previous one forward');
  for (const step of steps) {
    const previous = previousStep(step);
    if (!previous) continue;
    try {
      const drifts = driftBetween(previous, step);
      checks.record(drifts.length === 0, `solutions/${step.name} changes ${previous.name} only inside step ${pad(step.number)} regions`, [
        ...drifts.slice(0, 8).flatMap((drift) => [`${drift.file}:${drift.line}  ${drift.change}`, ...(drift.advice ? [`  ${drift.advice}`] : [])]),
        ...(drifts.length
          ? [
              `Mark new code with //> step ${pad(step.number)} given … //<, code that replaces inherited lines with //> step ${pad(step.number)} rewrites: why … //<` +
                ` (or a task region), or copy a fix back into solutions/${previous.name} and npm run carry it.`,
            ]
          : []),
      ]);
    } catch (error) {
      checks.record(false, `solutions/${step.name}: markers`, [(error as Error).message]);
    }
  }

  for (const step of steps) {
    const problems = listMutants(step).flatMap((mutant) => mutantProblem(mutant) ?? []);
    checks.record(problems.length === 0, `solutions/${step.name}/mutants: every mutant applies to the solution as it is`, problems);
  }

  checksDone.to = Date.now();
  if (args.includes('--quick')) return finish(checks, started, 'Parts, starters and drift are sound; npm test runs the rest.');

  // Phases 4 to 9 are a tsc run and many vitest runs that do not depend on each other. They all
  // start now, and their checks are printed below in the phases' order as they complete. The
  // vitest runs share a pool (one per core, each in its own process); tsc runs beside them at the
  // lowest priority, so it takes only the CPU they leave and holds no place in the pool.
  const inPool = pool();
  const typecheckPhase = timing.phase('4. type-check');
  for (const step of steps) safely(() => writeStarter(step, path.join(GENERATED_STARTERS_DIR, step.name, 'src')));
  const typeErrors = typecheckPhase.timed(() => typecheckAll(steps))();

  const solutionPhase = timing.phase('5. reference solutions');
  const solutionRuns = steps.map((step) => inPool(solutionPhase.timed(() => runTestsApart({ target: 'solution', paths: [rel(step.testDir)] }))));
  const libRun = named ? null : inPool(solutionPhase.timed(() => runTestsApart({ target: 'solution', paths: ['lib'] })));

  const starterPhase = timing.phase('6. untouched starters');
  const starterRuns = steps.map((step) => inPool(starterPhase.timed(() => runTestsApart({ target: 'starter', paths: [rel(step.testDir)] }))));

  const mutantPhase = timing.phase('7. mutants');
  const mutantRuns = steps.flatMap((step) => listMutants(step).map((mutant) => ({ mutant, run: inPool(mutantPhase.timed(() => runMutant(mutant))) })));

  // Slow (one test run per task), so only for a step named on the command line.
  const orderPhase = named ? timing.phase('8. tasks in order') : null;
  const orderRuns = !orderPhase
    ? []
    : steps.flatMap((step) =>
        readmeTasks(step)
          .slice(0, -1)
          .map(({ number: upTo }) => ({ step, upTo, run: inPool(orderPhase.timed(() => runSolvedUpTo(step, upTo))) })),
      );

  // Slow too (one test run per task or omit region), so also only for a named step.
  const ownTestsPhase = named ? timing.phase('9. tasks own their tests') : null;
  const ownTestsRuns = !ownTestsPhase
    ? []
    : steps.flatMap((step) => regionsOf(step).map((at) => ({ step, at, run: inPool(ownTestsPhase.timed(() => runWithout(step, at))) })));

  heading('4. Everything type-checks (lib, solutions, generated starters with their tests)');
  const typeReport = await typeErrors;
  checks.record(typeReport === '', 'tsc reports no errors', [typeReport]);

  heading('5. Every reference solution passes its tests');
  for (const [index, step] of steps.entries()) {
    const run = await solutionRuns[index]!;
    const tests = forStep(run, step);
    const failing = tests.filter((test) => test.state !== 'passed');
    checks.record(tests.length > 0 && failing.length === 0, `solutions/${step.name}: ${tests.length - failing.length}/${tests.length} tests pass`, failing.map(describeFailure));
    const skipped = clientTestsSkipped(run, step);
    if (skipped > 0) checks.skip(`solutions/${step.name}: ${skipped} tests of Kafka's own clients skipped`, `${missing.join(' and ')} missing here; ${INSTALL} (KFS_REQUIRE_EXTRAS=1, as in CI, makes them fail instead)`);
  }
  if (libRun) recordLibTests(await libRun, checks);
  recordBrokenAndUnhandled(merged([...(await Promise.all(solutionRuns)), ...(libRun ? [await libRun] : [])]), checks, 'solutions');

  heading('6. Every test fails on the untouched starter, with a TODO or an assertion');
  for (const [index, step] of steps.entries()) {
    const tests = forStep(await starterRuns[index]!, step);
    const wrong = tests.flatMap((test) => starterProblem(test));
    checks.record(tests.length > 0 && wrong.length === 0, `steps/${step.name}: all ${tests.length} tests fail on the starter`, wrong);
  }
  recordBrokenAndUnhandled(merged(await Promise.all(starterRuns)), checks, 'starters');

  heading('7. Every mutant is caught');
  for (const { mutant, run } of mutantRuns) {
    const outcome = await run;
    if (typeof outcome === 'string') {
      checks.record(false, `${mutant.step.name}/${mutant.name}`, [outcome]);
      continue;
    }
    const catchers = outcome.tests.filter((test) => test.state === 'failed').map((test) => shortName(test));
    if (catchers.length === 0 && clientTestsSkipped(outcome, mutant.step) > 0) {
      checks.skip(`${mutant.step.name}/${mutant.name}`, `no test that ran catches it, and the tests of Kafka's own clients were skipped (${missing.join(' and ')} missing)`);
      continue;
    }
    checks.record(catchers.length > 0, `${mutant.step.name}/${mutant.name} is caught by: ${catchers.slice(0, 3).join('; ') || 'nothing'}`, [
      `No test fails on this mistake: ${mutant.description.split('\n')[0] ?? ''}`,
      ...noTestsRan(outcome),
    ]);
  }

  if (orderPhase) {
    heading('8. Tasks can be done in order: with tasks 1..N solved, every test of tasks up to N passes');
    for (const { step, upTo, run } of orderRuns) {
      const outcome = await run;
      const blocked = outcome.tests.filter((test) => test.task !== null && test.task <= upTo && test.state !== 'passed');
      checks.record(blocked.length === 0 && outcome.tests.length > 0, `${step.name}: tasks 1..${upTo} solved, their tests pass`, [
        ...noTestsRan(outcome),
        ...blocked.map((test) => `${shortName(test)}: ${(test.errors[0]?.message ?? '').split('\n')[0]}`),
        ...(blocked.length ? ['A test that needs a later task belongs to that task: label it so, or give the code it needs.'] : []),
      ]);
    }
  }

  if (ownTestsPhase) {
    heading('9. Each task is tested by its own tests: with one region left a stub, a test of its task fails');
    for (const { step, at, run } of ownTestsRuns) {
      const outcome = await run;
      const task = at.region.task!;
      const catchers = outcome.tests.filter((test) => test.task === task && test.state === 'failed');
      if (catchers.length === 0 && clientTestsSkipped(outcome, step) > 0) {
        checks.skip(`${step.name}: without ${at.file}:${at.region.start + 1} (task ${task})`, `no test that ran fails, and the tests of Kafka's own clients were skipped (${missing.join(' and ')} missing)`);
        continue;
      }
      const others = outcome.tests.filter((test) => test.task !== task && test.state === 'failed').map((test) => shortName(test));
      const where = `${at.file}:${at.region.start + 1}`;
      checks.record(catchers.length > 0, `${step.name}: without ${where} (task ${task}: ${at.region.message}) a task ${task} test fails${catchers.length ? `: ${shortName(catchers[0]!)}` : ''}`, [
        ...noTestsRan(outcome),
        ...(others.length ? [`Only tests of other tasks fail: ${others.slice(0, 3).join('; ')}`] : ['No test fails at all.']),
        `Add a task ${task} test that fails without the region at ${where} ("${at.region.message}").`,
      ]);
    }
  }

  stopTestChildren();
  timing.print();
  return finish(checks, started, 'The workshop is sound.');
}

/** The closing lines: the verdict for a person, then the plain line CI reads; the exit code. */
function finish(checks: Checks, started: number, sound: string): number {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`\n${checks.failed === 0 ? colour.green(sound) : colour.red('Something above needs fixing.')} (${seconds} s)`);
  console.log(`verify: ${checks.passed} passed, ${checks.failed} failed${checks.skipped ? `, ${checks.skipped} skipped` : ''}`);
  return checks.failed === 0 ? 0 : 1;
}

/** A mutant's test run, or why the mutant could not be made. One failing test is enough to call it caught. */
async function runMutant(mutant: Mutant): Promise<RunResult | string> {
  let srcDir: string;
  try {
    srcDir = materialize(mutant);
  } catch (error) {
    return (error as Error).message;
  }
  // Most mutants are caught by the tests of the task their description names: those files run
  // first, and the step's other files only when none of them fails. A mutant is then never
  // reported uncaught that a test of another file would have caught.
  const target = `dir:${srcDir}` as const;
  const files = fs.readdirSync(mutant.step.testDir).filter((file) => file.endsWith('.test.ts')).map((file) => path.join(mutant.step.testDir, file));
  const tasks = [...mutant.description.matchAll(/\btask (\d+)\b/g)].map((match) => `task ${match[1]}:`);
  const likely = files.filter((file) => tasks.some((task) => fs.readFileSync(file, 'utf8').includes(task)));
  if (likely.length === 0 || likely.length === files.length) return runTestsApart({ target, paths: [rel(mutant.step.testDir)], bail: 1 });
  const first = await runTestsApart({ target, paths: likely.map(rel), bail: 1 });
  if (first.brokenFiles.length > 0 || first.tests.some((test) => test.state === 'failed')) return first;
  const rest = await runTestsApart({ target, paths: files.filter((file) => !likely.includes(file)).map(rel), bail: 1 });
  return merged([first, rest]);
}

/** The step's tests against its starter with tasks 1..upTo solved. */
function runSolvedUpTo(step: Step, upTo: number): Promise<RunResult> {
  const dir = path.join(GENERATED_STARTERS_DIR, `${step.name}-tasks-1-${upTo}`, 'src');
  writeStarter(step, dir, upTo);
  return runTestsApart({ target: `dir:${dir}`, paths: [rel(step.testDir)] });
}

/** The step's task and omit regions, or none if its markers do not parse (the sync check, phase 2, says why). */
function regionsOf(step: Step): RegionAt[] {
  try {
    return studentRegions(step);
  } catch {
    return [];
  }
}

/** The step's tests against its solution with one region left as the starter has it. */
function runWithout(step: Step, at: RegionAt): Promise<RunResult> {
  const dir = path.join(GENERATED_STARTERS_DIR, `${step.name}-without-${at.file.replace(/[^\w.-]+/g, '_')}-${at.region.start + 1}`, 'src');
  writeStarter(step, dir, { except: at });
  return runTestsApart({ target: `dir:${dir}`, paths: [rel(step.testDir)] });
}

/** Why a run has no tests at all (its files could not load, or its process died), to show with a check that needed them. */
function noTestsRan(run: RunResult): string[] {
  if (run.tests.length > 0) return [];
  return [...run.brokenFiles.flatMap((broken) => broken.errors.map((error) => `${broken.file}: ${error.message}`)), ...run.unhandled.map((error) => error.message)];
}

function merged(runs: RunResult[]): RunResult {
  return { tests: runs.flatMap((run) => run.tests), brokenFiles: runs.flatMap((run) => run.brokenFiles), unhandled: runs.flatMap((run) => run.unhandled) };
}

async function typecheckAll(steps: Step[]): Promise<string> {
  // A mirror of the repository's layout in which steps/NN/src is the generated starter, so the
  // check never depends on what a student has typed into the real steps/NN/src.
  const mirror = path.join(WORK_DIR, 'typecheck');
  fs.rmSync(mirror, { recursive: true, force: true });
  for (const step of steps) {
    fs.cpSync(path.join(GENERATED_STARTERS_DIR, step.name, 'src'), path.join(mirror, 'steps', step.name, 'src'), { recursive: true });
    if (fs.existsSync(step.testDir)) fs.cpSync(step.testDir, path.join(mirror, 'steps', step.name, 'test'), { recursive: true });
    // The demo type-imports ./src/index.ts: beside the starter it is checked against the API the student gets.
    if (fs.existsSync(step.demo)) fs.cpSync(step.demo, path.join(mirror, 'steps', step.name, 'demo.ts'));
  }
  const from = (...parts: string[]) => path.join(...parts, '**', '*.ts');
  return await typecheck(mirror, [
    from(ROOT, 'lib'),
    from(ROOT, 'solutions', '*', 'src'),
    from(mirror, 'steps', '*', 'src'),
    path.join(mirror, 'steps', '*', '*.ts'),
    from(mirror, 'steps', '*', 'test'),
  ]);
}

function starterProblem(test: TestOutcome): string[] {
  if (test.state === 'passed') return [`"${shortName(test)}" passes on the untouched starter, so it checks nothing the student writes`];
  if (test.state !== 'failed') return [`"${shortName(test)}" did not run (${test.state})`];
  const unclear = test.errors.filter((error) => todoIn(error.message) === null && error.name !== 'AssertionError');
  return unclear.map((error) => `"${shortName(test)}" fails with ${error.name}, not a TODO or an assertion: ${error.message.split('\n')[0]}`);
}

/**
 * lib's own tests. The browser tests skip themselves on a machine without Chromium: that is one
 * line saying how to get them, not a failure, unless KFS_REQUIRE_EXTRAS=1 (CI) says they must run.
 */
function recordLibTests(run: RunResult, checks: Checks): void {
  const libTests = run.tests.filter((test) => test.step === null);
  const skipped = libTests.filter((test) => test.state === 'skipped');
  const ran = libTests.filter((test) => test.state !== 'skipped');
  const failing = ran.filter((test) => test.state !== 'passed');
  checks.record(failing.length === 0, `lib: ${ran.length - failing.length}/${ran.length} tests pass`, failing.map(describeFailure));
  if (skipped.length === 0) return;
  const browserOnly = skipped.every((test) => BROWSER_TESTS.includes(test.file.split(path.sep).join('/')));
  const what = `lib: ${skipped.length} ${browserOnly ? 'browser ' : ''}tests skipped`;
  const why = browserOnly ? chromiumMissingMessage() : skipped.map(describeFailure).join('; ');
  if (REQUIRE_BROWSER) checks.record(false, `lib: ${skipped.length} tests did not run, and KFS_REQUIRE_EXTRAS=1 requires every test to run`, [why]);
  else checks.skip(what, why);
}

function recordBrokenAndUnhandled(run: RunResult, checks: Checks, what: string): void {
  for (const broken of run.brokenFiles) checks.record(false, `${broken.file} loads against the ${what}`, broken.errors.map((error) => error.message));
  if (run.unhandled.length > 0) checks.record(false, `no errors escape the tests (${what})`, run.unhandled.map((error) => `${error.message}${error.where ? ` at ${error.where}` : ''}`));
}

/** The step's tests that skipped themselves: those of Kafka's own clients, where kcat or kafka-python is missing. */
function skippedFor(run: RunResult, step: Step): TestOutcome[] {
  return run.tests.filter((test) => test.step === step.name && test.state === 'skipped');
}

function forStep(run: RunResult, step: Step): TestOutcome[] {
  return run.tests.filter((test) => test.step === step.name && test.state !== 'skipped');
}

function describeFailure(test: TestOutcome): string {
  return `${test.file} › ${shortName(test)}: ${test.errors[0]?.message.split('\n')[0] ?? test.state}`;
}

function shortName(test: TestOutcome): string {
  return test.name.split(' > ').at(-1) ?? test.name;
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Reported by the sync check (step 2), which runs the same generator.
  }
}
