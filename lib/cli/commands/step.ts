// `npm run step NN` (the student's code) and `npm run solution NN` (the reference): run the
// step's tests and explain the result in the workshop's terms.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, WORK_DIR } from '../../paths.ts';
import { blockedBy, linkEscapedTodos, stubOf, taskToDo } from '../../runner/attribution.ts';
import { ALONE_WORKERS, countPassing, runTests, type RunOptions, type RunResult, type TestFailure, type TestOutcome } from '../../runner/run-tests.ts';
import { findStep, nextStep, readmeTasks, type Step } from '../../steps.ts';
import { noteStarter } from '../edits.ts';
import { UserError, clip, colour, indent, referenceMissing } from '../../output.ts';
import { typecheck } from '../../source/typecheck.ts';
import { recordStepRun } from '../state.ts';
import { migrationAdvice } from './migrate.ts';

const SHOWN_FAILURES = 4;

export async function stepCommand(args: string[], target: 'student' | 'solution'): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    const command = target === 'solution' ? 'solution' : 'step';
    console.log(
      `npm run ${command} NN [-- --watch|--all]\n\n` +
        (target === 'solution'
          ? "Runs step NN's tests against the reference solution (solutions/NN-name/src)."
          : "Runs step NN's tests against your code (steps/NN-name/src), task by task, and stops at the first\ntask with a failure; groups the failures by the task that blocks them and names the next task to do.\n--all runs every test at once; --watch runs them all again on every save."),
    );
    return 0;
  }
  const watch = args.includes('--watch');
  const step = findStep(args.find((arg) => !arg.startsWith('--')));
  if (target === 'solution' && !fs.existsSync(step.solutionSrcDir)) throw new UserError(referenceMissing(step.solutionSrcDir));
  if (target === 'student') {
    // Files from before the rooms would be ignored by the tests: say so before running them.
    const advice = migrationAdvice(step);
    if (advice) {
      console.log(colour.yellow(advice));
      return 1;
    }
    // Lets progress and kcat --mine tell later whether this step has been edited, even without solutions/ or git.
    noteStarter(step);
  }
  const paths = [path.relative(ROOT, step.testDir)];
  if (target === 'student' && !watch && !args.includes('--all')) {
    const { result, stoppedAt } = await runTaskByTask(step, paths, 'student');
    return report(step, result, target, stoppedAt);
  }
  let exitCode = 1;
  await runTests({
    target,
    paths,
    watch,
    showConsole: true,
    maxWorkers: ALONE_WORKERS,
    onResult: async (result) => {
      if (watch) console.log(colour.dim(`\n──── run at ${new Date().toLocaleTimeString()} ────`));
      exitCode = await report(step, result, target);
      if (watch) console.log(colour.dim('\nWatching for changes… (save a file to re-run, Ctrl-C to stop)'));
    },
  });
  return exitCode;
}

/**
 * Runs the step's tests one task at a time, in the README's order, and stops after the first task
 * with a failure (rustlings' way): a student sees their next task's failures within seconds, not
 * after the later tasks' tests have waited for stubs that will never answer. The tests of no task
 * run last. Returns every result so far, and the task it stopped at (null when all ran). The first
 * run loads every test file and so learns which files hold which task's tests: each later run loads
 * only those (vitest's start and a file's imports cost about 2 s a run, whatever the filter).
 */
export async function runTaskByTask(step: Step, paths: string[], target: RunOptions['target']): Promise<{ result: RunResult; stoppedAt: number | null }> {
  const tasks = readmeTasks(step).map((task) => task.number);
  const stages = [...tasks.map((task) => ({ task, pattern: `task ${task}:` })), { task: null, pattern: '^(?!.*task \\d+:)' }];
  const result: RunResult = { tests: [], brokenFiles: [], unhandled: [] };
  let filesOf: ((task: number | null) => string[]) | null = null;
  for (const { task, pattern } of stages) {
    const files = filesOf ? filesOf(task) : paths;
    if (files.length === 0) continue;
    const run = await runTests({ target, paths: files, showConsole: target === 'student', testNamePattern: pattern, maxWorkers: ALONE_WORKERS });
    // Tests filtered out are still reported (as skipped), with their files: enough to plan the rest.
    filesOf ??= (later) => [...new Set(run.tests.filter((test) => test.task === later).map((test) => test.file))];
    // Each test runs in one stage, its task's; in the others it is reported as skipped.
    result.tests.push(...run.tests.filter((test) => test.state !== 'skipped'));
    result.brokenFiles = run.brokenFiles;
    result.unhandled.push(...run.unhandled);
    if (run.brokenFiles.length > 0 || run.tests.some((test) => test.state === 'failed')) {
      // The later tasks' tests did not run: they are not counted, passing or failing.
      return { result, stoppedAt: task !== null && task !== tasks.at(-1) ? task : null };
    }
  }
  return { result, stoppedAt: null };
}

/** `stoppedAt`: the task a task-by-task run stopped at (its later tasks' tests did not run). */
async function report(step: Step, result: RunResult, target: 'student' | 'solution', stoppedAt: number | null = null): Promise<number> {
  const { passed, total } = countPassing(result);
  const allGreen = stoppedAt === null && total > 0 && passed === total && result.brokenFiles.length === 0 && result.unhandled.length === 0;
  const label = target === 'solution' ? 'Reference solution · ' : '';
  const counts = `${passed}/${total} passing`;
  const stepNumber = String(step.number).padStart(2, '0');
  console.log(`\n${colour.bold(`${label}Step ${stepNumber} · ${step.slug} · `)}${allGreen ? colour.green(counts) : colour.yellow(counts)}`);
  if (stoppedAt !== null) {
    const ran = stoppedAt === 1 ? 'Only task 1' : `Tasks 1 to ${stoppedAt}`;
    console.log(colour.dim(`${ran} ran: the tests of later tasks wait until task ${stoppedAt} passes (npm run step ${stepNumber} -- --all runs them all).`));
  }

  for (const broken of result.brokenFiles) {
    console.log(`\n${colour.red('✗')} ${broken.file} could not be loaded:`);
    for (const error of broken.errors) console.log(indent(clip(error.message)));
    console.log(indent(colour.dim(`Usually a syntax error or a bad import in ${relativeSrc(step, target)}. Run npx tsc -p . to see every type error.`)));
  }

  // A stub that throws in a timer or an event handler fails no test by itself: the test that waited
  // for its work times out. Such a test is filed with that stub, as if the stub had thrown in it.
  const { tests: failing, used } = linkEscapedTodos(result.tests.filter((test) => test.state === 'failed'), result.unhandled);
  // Tests that fail for the same reason (often one TODO stub) are shown once, together. A failure
  // whose message carries an earlier task's TODO, whatever assertion carried it, is that task's:
  // it is filed with the stub's other failures, under the stub's task.
  const groups = new Map<string, TestOutcome[]>();
  for (const test of failing) {
    const key = stubOf(test)?.key ?? test.errors[0]?.message ?? test.state;
    groups.set(key, [...(groups.get(key) ?? []), test]);
  }
  // Earliest task first: that is where the student should start, whatever file it is in.
  const firstTask = (group: TestOutcome[]) => Math.min(...group.map(taskToDo));
  // Within a group, a test that ran into the stub itself comes before one that only timed out beside it.
  const linked = (test: TestOutcome) => (test.errors.some((error) => error.escaped) ? 1 : 0);
  const byTask = (a: TestOutcome, b: TestOutcome) => (a.task ?? Number.POSITIVE_INFINITY) - (b.task ?? Number.POSITIVE_INFINITY) || linked(a) - linked(b);
  const shown = [...groups.values()]
    .map((group) => [...group].sort(byTask))
    .sort((a, b) => firstTask(a) - firstTask(b))
    .slice(0, SHOWN_FAILURES);
  for (const group of shown) printFailure(group);
  const hidden = failing.length - shown.reduce((sum, group) => sum + group.length, 0);
  if (hidden > 0) console.log(colour.dim(`\n  … and ${hidden} more failing`));

  // One bug in a timer or a handler often escapes once per test: show it once, with a count.
  // Those already shown with the tests they held up are not repeated.
  const shownWithTests = new Set([...used].map((error) => error.message));
  const escaped = new Map<string, { error: TestFailure; count: number }>();
  for (const error of result.unhandled) {
    if (shownWithTests.has(error.message)) continue;
    const seen = escaped.get(error.message);
    if (seen) seen.count++;
    else escaped.set(error.message, { error, count: 1 });
  }
  for (const { error, count } of escaped.values()) {
    console.log(`\n${colour.red('✗')} an error was thrown outside any test (in an event handler or a timer), so a test may have waited for nothing${count > 1 ? `, ${count} times` : ''}:`);
    console.log(indent(clip(error.message)));
    if (error.where) console.log(indent(colour.dim(`at ${error.where}`)));
  }

  if (allGreen) {
    if (target === 'solution') return 0;
    recordStepRun(step, undefined);
    // Tests run through a transpiler that ignores types; the workshop's code is strict TypeScript.
    const typeErrors = await typeErrorsIn(step);
    if (typeErrors.length > 0) {
      console.log(colour.yellow(`\nEvery test passes, but TypeScript finds ${typeErrors.length} type error(s) in your code:`));
      for (const line of typeErrors.slice(0, 8)) console.log(indent(line));
      if (typeErrors.length > 8) console.log(indent(colour.dim(`… and ${typeErrors.length - 8} more (npx tsc -p . shows them all)`)));
      console.log(`Fix them, then run npm run step ${stepNumber} again.`);
      return 1;
    }
    console.log(colour.green(`\nStep ${stepNumber} is done.`));
    // The README's "Done when" asks what to check in one's code; the reference's answers are optional.
    const doneWhen = `"Done when" in ${path.relative(ROOT, step.readme)}`;
    if (fs.existsSync(step.solutionSrcDir)) console.log(`Compare your code with the reference:  npm run diff ${stepNumber}  (${doneWhen} says what to look at)`);
    else console.log(`Before you move on: ${doneWhen} asks what to check in your code.`);
    const next = nextStep(step);
    if (next) console.log(`Next: ${colour.bold(`npm run step ${String(next.number).padStart(2, '0')}`)} and read ${path.relative(ROOT, next.readme)}`);
    else console.log('That is the last step the workshop has so far. Well done! New steps arrive with git pull.');
    return 0;
  }

  // `npm run hint NN` offers hints for the task named here first.
  if (target === 'student') recordStepRun(step, printNextTask(step, failing));
  return 1;
}

function printFailure([test, ...alike]: TestOutcome[]): void {
  if (!test) return;
  const stub = stubOf(test);
  console.log(`\n${colour.red('✗')} ${shortName(test)}`);
  if (blockedBy(test) !== null) console.log(indent(colour.yellow(`blocked by task ${stub!.task}: ${stub!.todo}`)));
  for (const error of test.errors) {
    if (error.escaped) console.log(indent(colour.dim('while the test waited, this was thrown outside it (in a timer or an event handler):')));
    console.log(indent(clip(error.message)));
    if (error.where) console.log(indent(colour.dim(`at ${error.where}`)));
  }
  if (alike.length > 0) {
    console.log(indent(colour.dim(stub ? `The same TODO fails ${alike.length} more:` : `The same error fails ${alike.length} more:`)));
    for (const other of alike) {
      const blocker = blockedBy(other);
      console.log(indent(colour.dim(`✗ ${shortName(other)}${blocker !== null && blocker !== blockedBy(test) ? ` (blocked by task ${blocker})` : ''}`), '      '));
    }
  }
}

function shortName(test: TestOutcome): string {
  return test.name.split(' > ').at(-1) ?? test.name;
}

/** Prints the task to work on next and returns its number (undefined when none is named). */
function printNextTask(step: Step, failing: TestOutcome[]): number | undefined {
  const firstTask = Math.min(...failing.map(taskToDo));
  const task = readmeTasks(step).find((candidate) => candidate.number === firstTask);
  const stepNumber = String(step.number).padStart(2, '0');
  const readme = path.relative(ROOT, step.readme);
  if (task) {
    const firstParagraph = task.body.split(/\n\s*\n/)[0] ?? '';
    console.log(`\n${colour.cyan(colour.bold(`Next: task ${task.number} — ${task.title}`))}  ${colour.dim(`(${readme})`)}`);
    if (firstParagraph) console.log(indent(firstParagraph, '  '));
  } else {
    console.log(`\n${colour.cyan(`Read ${readme} for what to do next.`)}`);
  }
  const hintFor = task ? `a hint for task ${task.number}` : 'one hint at a time';
  console.log(colour.dim(`\nStuck? npm run hint ${stepNumber} shows ${hintFor}. Re-run on every save: npm run step ${stepNumber} -- --watch`));
  return task?.number;
}

function relativeSrc(step: Step, target: 'student' | 'solution'): string {
  return path.relative(ROOT, target === 'solution' ? step.solutionSrcDir : step.srcDir);
}

/** tsc's errors for the student's steps/NN/src and its tests (a few seconds, so only once the tests pass). */
async function typeErrorsIn(step: Step): Promise<string[]> {
  const report = await typecheck(path.join(WORK_DIR, 'typecheck-step'), [path.join(step.srcDir, '**', '*.ts'), path.join(step.testDir, '**', '*.ts')]);
  return report.split('\n').filter((line) => /error TS\d+/.test(line));
}
