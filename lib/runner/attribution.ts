// Which TODO stub a failing test ran into, and so which task it waits for: what `npm run step`
// files each failure under. Plain functions over a run's results, so they can be tested alone.
import { todoIn } from '../source/markers.ts';
import type { TestFailure, TestOutcome } from './run-tests.ts';

export interface Stub {
  /** The stub's task number, when its TODO names one. */
  task: number | null;
  /** The TODO as the stub throws it, e.g. "TODO(step 05, task 2): ReplicaManager.readPartition — refuse …". */
  todo: string;
  /** What every failure of this stub has in common, however the message was quoted or clipped: the TODO up to its " — ". */
  key: string;
}

/** The stub a failing test ran into: the earliest task's TODO anywhere in its messages, null when none. */
export function stubOf(test: Pick<TestOutcome, 'errors'>): Stub | null {
  const stubs: Stub[] = [];
  for (const error of test.errors) {
    let rest = error.message;
    for (let todo = todoIn(rest); todo !== null; todo = todoIn(rest)) {
      rest = rest.slice(rest.indexOf(todo) + todo.length);
      // A TODO quoted inside an assertion's message ends at the quote, and one at the end of an
      // expect()'s own message is followed by what it expected: keep only the stub's own words.
      const clean = todo
        .replace(/\u001b\[[0-9;]*m/g, '')
        .replace(/: expected .* (?:not )?to .*$/, '')
        .replace(/["'`…]+.*$/, '')
        .trim();
      const task = /^TODO\(step \d{2}, task (\d+)\)/.exec(clean)?.[1];
      stubs.push({ task: task === undefined ? null : Number(task), todo: clean, key: clean.split(' — ')[0]! });
    }
  }
  return stubs.sort((a, b) => (a.task ?? Number.POSITIVE_INFINITY) - (b.task ?? Number.POSITIVE_INFINITY))[0] ?? null;
}

/** The earlier task whose stub fails this test, or null. */
export function blockedBy(test: TestOutcome): number | null {
  const task = stubOf(test)?.task ?? null;
  return task !== null && test.task !== null && task < test.task ? task : null;
}

/** The task to write to make this test pass: its own, or the earlier one whose stub blocks it. */
export function taskToDo(test: TestOutcome): number {
  return blockedBy(test) ?? test.task ?? Number.POSITIVE_INFINITY;
}

/** A failure that is a wait running out: a deadline of lib/testing/wait.ts, or vitest's own test timeout. */
export function timedOut(test: Pick<TestOutcome, 'errors'>): boolean {
  return test.errors.some((error) => /\(waited \d+ ms\)|timed out in \d+ ?ms/i.test(error.message));
}

/**
 * A TODO stub that throws in a timer, an event handler or a promise nobody awaits reaches no test:
 * vitest reports it as an error outside any test, naming the test file and the test that were
 * running, and the test that waited for the stub's work fails on its own deadline, with no TODO
 * in its message. Such a test gets that TODO added to its errors (marked `escaped`), so it is
 * filed with the stub like any other failure of it: the TODO that escaped while this very test
 * ran, or else, for a test that timed out, the earliest task's TODO that escaped in its file.
 * Never one of a later task than the test's own: that stub is not what the test waits for.
 * Returns the tests, and the escaped errors it used.
 */
export function linkEscapedTodos(failing: TestOutcome[], unhandled: TestFailure[]): { tests: TestOutcome[]; used: Set<TestFailure> } {
  const used = new Set<TestFailure>();
  const todos = unhandled.filter((error) => error.file !== undefined && todoIn(error.message) !== null);
  if (todos.length === 0) return { tests: failing, used };
  const taskOf = (error: TestFailure) => stubOf({ errors: [error] })?.task ?? Number.POSITIVE_INFINITY;
  const tests = failing.map((test) => {
    if (stubOf(test) !== null) return test;
    const inFile = todos.filter((error) => error.file === test.file && (test.task === null || taskOf(error) <= test.task));
    const duringTest = inFile.filter((error) => error.test !== undefined && (test.name === error.test || test.name.endsWith(` > ${error.test}`)));
    const candidates = duringTest.length > 0 ? duringTest : timedOut(test) ? inFile : [];
    const earliest = [...candidates].sort((a, b) => taskOf(a) - taskOf(b))[0];
    if (!earliest) return test;
    used.add(earliest);
    const linked: TestFailure = { name: earliest.name, message: todoIn(earliest.message)!, where: earliest.where, escaped: true };
    return { ...test, errors: [...test.errors, linked] };
  });
  return { tests, used };
}
