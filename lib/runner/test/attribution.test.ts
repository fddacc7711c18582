// Which stub a failing test is filed under (lib/runner/attribution.ts): the TODO in its messages,
// or one thrown outside it, in a timer, while it waited.
import { describe, expect, it } from 'vitest';
import { blockedBy, linkEscapedTodos, stubOf, taskToDo } from '../attribution.ts';
import type { TestFailure, TestOutcome } from '../run-tests.ts';

const FILE = 'steps/06-consumer-groups/test/consumer-group.test.ts';
const JOIN = 'TODO(step 06, task 6): ConsumerCoordinator.joinAndSync — join, then sync';
const REMOVE = 'TODO(step 06, task 4): GroupCoordinator.removeMember — clear its timer';
const COMMIT = 'TODO(step 06, task 7): KafkaConsumer.commit — commit every known position';

function failed(task: number, message: string, name = `task ${task}: a test`, file = FILE): TestOutcome {
  return { step: '06-consumer-groups', file, name: `a suite > ${name}`, task, state: 'failed', errors: [{ name: 'AssertionError', message, where: null }] };
}

function escaped(message: string, test?: string, file = FILE): TestFailure {
  return { name: 'Error', message, where: 'steps/06-consumer-groups/src/x.ts:1', file, ...(test ? { test } : {}) };
}

const TIMED_OUT = 'member A should get a first record (waited 5000 ms)';

describe('stubOf', () => {
  it('finds the earliest task among the TODOs a message carries, wherever they are in it', () => {
    const test = failed(7, `kcat exited with 1; stderr: % Commit closing failed: ${COMMIT}\n% ERROR: ${JOIN}`);
    expect(stubOf(test)).toEqual({ task: 6, todo: JOIN, key: 'TODO(step 06, task 6): ConsumerCoordinator.joinAndSync' });
    expect(blockedBy(test)).toBe(6);
    expect(taskToDo(test)).toBe(6);
  });

  it('keeps only the stub\'s own words of a TODO quoted in an assertion', () => {
    expect(stubOf(failed(5, `expected 'x' to be 'y' // "${REMOVE}" at the end`))?.todo).toBe(REMOVE);
  });

  it('leaves out what an expect() expected after a TODO that ends its message', () => {
    expect(stubOf(failed(6, `the full batch; a send rejected with: ${COMMIT}: expected [ undefined ] to deeply equal [ +0 ]`))?.todo).toBe(COMMIT);
  });

  it('finds nothing in a plain assertion', () => {
    expect(stubOf(failed(5, TIMED_OUT))).toBeNull();
  });
});

describe('linkEscapedTodos', () => {
  it('files a test that timed out under the earliest TODO that escaped in its file', () => {
    const { tests, used } = linkEscapedTodos([failed(7, TIMED_OUT)], [escaped(COMMIT), escaped(JOIN, 'task 6: another test')]);
    expect(tests[0]!.errors.map((error) => [error.message, error.escaped ?? false])).toEqual([
      [TIMED_OUT, false],
      [JOIN, true],
    ]);
    expect(blockedBy(tests[0]!)).toBe(6);
    expect([...used].map((error) => error.message)).toEqual([JOIN]);
  });

  it('prefers a TODO that escaped while the test itself ran, whatever its failure', () => {
    const test = failed(7, 'expected [ 1 ] to deeply equal []', 'task 7: the slow loop');
    const { tests } = linkEscapedTodos([test], [escaped(JOIN, 'task 6: another test'), escaped(COMMIT, 'task 7: the slow loop')]);
    expect(stubOf(tests[0]!)?.todo).toBe(COMMIT);
  });

  it('leaves alone a test of another file, one that failed on an assertion, and one with a TODO of its own', () => {
    const elsewhere = failed(7, TIMED_OUT, 'task 7: elsewhere', 'steps/06-consumer-groups/test/kcat.test.ts');
    const asserted = failed(7, 'expected 2 to be 3');
    const own = failed(7, `failed: ${COMMIT}`);
    const { tests, used } = linkEscapedTodos([elsewhere, asserted, own], [escaped(JOIN)]);
    expect(tests).toEqual([elsewhere, asserted, own]);
    expect(used.size).toBe(0);
  });

  it('never files a test under a later task than its own', () => {
    const test = failed(4, TIMED_OUT);
    expect(linkEscapedTodos([test], [escaped(JOIN)]).tests).toEqual([test]);
    expect(stubOf(linkEscapedTodos([test], [escaped(JOIN), escaped(REMOVE)]).tests[0]!)?.task).toBe(4);
  });

  it('ignores errors outside any test that carry no TODO, or no test file', () => {
    const test = failed(7, TIMED_OUT);
    expect(linkEscapedTodos([test], [escaped('ECONNRESET'), { name: 'Error', message: JOIN, where: null }]).tests).toEqual([test]);
  });
});
