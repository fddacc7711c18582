// `npm test -- --quick`: the checks a maintainer makes before each commit, without running a test.
import { expect, test } from 'vitest';
import { runCli } from './run-cli.ts';

test('verify --quick checks parts, starters and drift, and runs no test', { timeout: 30_000 }, async () => {
  const run = runCli(['verify', '--quick']);
  const [{ code }] = await Promise.all([run.exited, run.closed]);
  const output = run.stdout();
  expect(code, `npm test -- --quick failed:\n${output}\n${run.stderr()}`).toBe(0);
  for (const phase of ['1. Every step has its parts', '2. Starters are generated from the solutions', '3. Each solution carries the previous one forward']) expect(output).toContain(phase);
  expect(output, 'no test run, no type-check').not.toMatch(/4\. Everything type-checks|5\. Every reference solution/);
  expect(output).toMatch(/Parts, starters and drift are sound; npm test runs the rest\.[^\n]*\nverify: \d+ passed, 0 failed\n$/);
});
