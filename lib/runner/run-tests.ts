// Runs step tests through vitest's Node API and hands back plain results, so the CLI can print
// them in the workshop's own words instead of vitest's default report.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVitest } from 'vitest/node';
import type { Reporter, TestModule } from 'vitest/node';
import { ROOT } from '../paths.ts';
import { todoIn } from '../source/markers.ts';
import type { Target } from '../testing/target.ts';
import { stepOfFile } from '../testing/target.ts';

export interface TestFailure {
  name: string;
  message: string;
  /** "file:line" of the TODO stub that threw, else of the failing line inside the test file, when known. */
  where: string | null;
  /** For an error thrown outside any test: the test file that was running (relative to the repository), when known. */
  file?: string;
  /** For an error thrown outside any test: the name of the test that was running, when one was. */
  test?: string;
  /** Thrown outside the test, and added to it by linkEscapedTodos (attribution.ts) as what it waited for. */
  escaped?: boolean;
}

export interface TestOutcome {
  step: string | null;
  file: string;
  name: string;
  /** The README task a test belongs to: test names start with "task N:". */
  task: number | null;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  errors: TestFailure[];
}

export interface RunResult {
  tests: TestOutcome[];
  /** Test files that could not even be loaded (a syntax error, a missing module). */
  brokenFiles: { file: string; errors: TestFailure[] }[];
  /** Errors thrown outside any test, e.g. an exception in an event handler. */
  unhandled: TestFailure[];
}

export interface RunOptions {
  target: Target;
  /** Paths (files or folders) relative to the repository root; empty = every test. */
  paths: string[];
  watch?: boolean;
  /** Called after every run (once without watch). */
  onResult?: (result: RunResult) => void | Promise<void>;
  /** Show console output from tests and the code under test. */
  showConsole?: boolean;
  /** Stop after this many failed tests (a mutant needs only one to count as caught). */
  bail?: number;
  /** Run only the tests whose full name matches (vitest's -t); the others are reported as skipped. */
  testNamePattern?: string;
  /** Test files run at once (vitest's maxWorkers); unset, vitest's own default. */
  maxWorkers?: number;
}

/**
 * Test files at once for a run that is the only one (a student's npm run step): at least two. A
 * step's test files mostly wait on sockets and child processes, and vitest's default (one fewer
 * than the cores) runs a 2-core laptop's files one after the other: step 09's reference took 41 s
 * that way and 22 s two at a time. npm test, which runs many vitest runs at once, keeps the default.
 */
export const ALONE_WORKERS = Math.max(2, os.availableParallelism() - 1);

export async function runTests(options: RunOptions): Promise<RunResult> {
  process.env.KFS_TARGET = options.target;
  let last: RunResult = { tests: [], brokenFiles: [], unhandled: [] };
  const reporter: Reporter = {
    onTestRunEnd: async (modules, unhandledErrors) => {
      last = collect(modules, unhandledErrors as readonly ErrorLike[]);
      await options.onResult?.(last);
    },
    onUserConsoleLog: (log) => {
      if (!options.showConsole) return;
      const stream = log.type === 'stderr' ? process.stderr : process.stdout;
      stream.write(log.content);
    },
  };
  const vitest = await startVitest(
    'test',
    options.paths,
    {
      config: path.join(ROOT, 'lib', 'vitest.config.ts'),
      watch: options.watch ?? false,
      run: !options.watch,
      reporters: [reporter],
      silent: !options.showConsole,
      // npm test runs several at once, and vitest's results cache is one file they would share.
      cache: false,
      ...(options.bail ? { bail: options.bail } : {}),
      ...(options.testNamePattern ? { testNamePattern: options.testNamePattern } : {}),
      ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
    },
    {},
    { stdout: process.stdout, stderr: process.stderr },
  );
  if (!options.watch) await vitest.close();
  return last;
}

interface ErrorLike {
  name?: string;
  message?: string;
  stack?: string;
  stacks?: { file: string; line: number; column: number }[];
  diff?: string;
  /** Set by vitest on an error thrown outside any test: the test file, and the test, that were running. */
  VITEST_TEST_PATH?: string;
  VITEST_TEST_NAME?: string;
}

function collect(modules: ReadonlyArray<TestModule>, unhandledErrors: readonly ErrorLike[]): RunResult {
  const result: RunResult = { tests: [], brokenFiles: [], unhandled: unhandledErrors.map((error) => outsideTest(error)) };
  for (const module of modules) {
    const file = path.relative(ROOT, module.moduleId);
    const moduleErrors = module.errors() as readonly ErrorLike[];
    const tests = [...module.children.allTests()];
    if (moduleErrors.length > 0 && tests.length === 0) {
      result.brokenFiles.push({ file, errors: moduleErrors.map((error) => toFailure(error, module.moduleId)) });
      continue;
    }
    for (const test of tests) {
      const outcome = test.result();
      const name = test.fullName;
      const task = /(?:^|> )task (\d+):/i.exec(name);
      result.tests.push({
        step: stepOfFile(module.moduleId),
        file,
        name,
        task: task ? Number(task[1]) : null,
        state: outcome.state,
        errors: ((outcome.errors ?? []) as readonly ErrorLike[]).map((error) => toFailure(error, module.moduleId)),
      });
    }
    // Errors in hooks of a file whose tests did run still count against that file, and so do
    // those of a describe block's hooks: its tests are then reported as skipped, not failed.
    const suiteErrors = [...module.children.allSuites()].flatMap((suite) => suite.errors() as readonly ErrorLike[]);
    for (const error of [...moduleErrors, ...suiteErrors]) result.unhandled.push(toFailure(error, module.moduleId));
  }
  return result;
}

/** An error thrown outside any test (in a timer, an event handler, a promise nobody awaited), with the test that was running. */
function outsideTest(error: ErrorLike): TestFailure {
  const testFile = error.VITEST_TEST_PATH;
  return {
    ...toFailure(error, testFile),
    ...(testFile ? { file: path.relative(ROOT, testFile) } : {}),
    ...(error.VITEST_TEST_NAME ? { test: error.VITEST_TEST_NAME } : {}),
  };
}

function toFailure(error: ErrorLike, testFile?: string): TestFailure {
  // The test's own line says most; failing that, the first frame outside the workshop's helpers.
  const frame =
    error.stacks?.find((stack) => testFile && stack.file === testFile) ??
    error.stacks?.find((stack) => !path.relative(ROOT, stack.file).startsWith(`lib${path.sep}`));
  const message = [error.name && error.name !== 'Error' && error.name !== 'AssertionError' ? `${error.name}: ` : '', error.message ?? String(error)].join('');
  return {
    name: error.name ?? 'Error',
    message: error.diff ? `${message}\n${error.diff}` : message,
    where: todoStubOf(message, testFile) ?? (frame ? `${path.relative(ROOT, frame.file)}:${frame.line}` : null),
  };
}

/**
 * Where the TODO stub named in a message is, as "file:line". A stub's error often reaches the
 * test through other code (a broker answers UNKNOWN_SERVER_ERROR, a client rethrows it), so its
 * stack points elsewhere; the line to write is the stub itself, found by its text.
 */
function todoStubOf(message: string, testFile: string | undefined): string | null {
  const todo = todoIn(message);
  if (!todo || !testFile) return null;
  const srcDir = path.join(path.dirname(path.dirname(testFile)), 'src');
  let files: string[];
  try {
    files = fs.readdirSync(srcDir).filter((file) => file.endsWith('.ts'));
  } catch {
    return null;
  }
  // In the source the text sits in a quoted string: match it up to the first character quoting may change.
  const wanted = todo.split(/[—'"\\]/)[0]!.trimEnd();
  for (const file of files) {
    const lines = fs.readFileSync(path.join(srcDir, file), 'utf8').split('\n');
    const index = lines.findIndex((line) => line.includes(wanted));
    if (index >= 0) return `${path.relative(ROOT, path.join(srcDir, file))}:${index + 1}`;
  }
  return null;
}

export function countPassing(result: RunResult): { passed: number; total: number } {
  const counted = result.tests.filter((test) => test.state !== 'skipped');
  return { passed: counted.filter((test) => test.state === 'passed').length, total: counted.length };
}
