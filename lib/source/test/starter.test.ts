// What a starter keeps of its solution: code outside regions as it is, a stub for each task, and
// none of the slide regions a deck includes code by.
import { expect, test } from 'vitest';
import { starterText } from '../starter.ts';

test('a starter has the task stub and the given code, and no // #region lines', () => {
  const solution = [
    '// #region start',
    'export function start(): number {',
    '  //> step 01 task 1: start — return the port',
    '  return 9092;',
    '  //<',
    '}',
    '// #endregion start',
    '',
  ].join('\n');
  expect(starterText(solution, 1, 'broker.ts')).toBe(
    ['export function start(): number {', "  throw new Error('TODO(step 01, task 1): start — return the port');", '}', ''].join('\n'),
  );
});
