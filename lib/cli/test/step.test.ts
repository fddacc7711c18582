// `npm run step NN` runs a step task by task and stops after the first task with a failure, so a
// student sees their next task at once; a finished step runs every test.
import path from 'node:path';
import { expect, test } from 'vitest';
import { ROOT, SOLUTIONS_DIR } from '../../paths.ts';
import { writeStarter } from '../../source/starter.ts';
import { findStep } from '../../steps.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { runTaskByTask } from '../commands/step.ts';

const tempDir = useTempDirs('kfs-step-');

test('on an untouched starter only task 1 runs, and the run stops there', { timeout: 60_000 }, async () => {
  const step = findStep('01');
  const srcDir = path.join(tempDir(), 'src');
  writeStarter(step, srcDir);
  const { result, stoppedAt } = await runTaskByTask(step, [path.relative(ROOT, step.testDir)], `dir:${srcDir}`);
  expect(stoppedAt).toBe(1);
  expect(result.tests.length, 'task 1 has tests').toBeGreaterThan(0);
  expect(result.tests.filter((test) => !test.name.includes('task 1:')).map((test) => test.name), 'only the tests of task 1 ran').toEqual([]);
  expect(result.tests.every((test) => test.state === 'failed')).toBe(true);
});

test('on a finished step every task runs, and every test with it', { timeout: 60_000 }, async () => {
  const step = findStep('01');
  const { result, stoppedAt } = await runTaskByTask(step, [path.relative(ROOT, step.testDir)], `dir:${path.join(SOLUTIONS_DIR, step.name, 'src')}`);
  expect(stoppedAt).toBeNull();
  const tasks = new Set(result.tests.map((test) => /task (\d+):/.exec(test.name)?.[1]));
  expect([...tasks].sort(), 'every task of step 01 ran').toEqual(['1', '2', '3', '4']);
  expect(result.tests.every((test) => test.state === 'passed')).toBe(true);
});
