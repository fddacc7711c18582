// A child process of runTestsApart (apart.ts): for each message, one vitest run; its result goes
// back as the answer. Runs come one at a time, so the KFS_TARGET that runTests sets is theirs.
import { runTests, type RunOptions } from './run-tests.ts';

process.on('message', (options) => {
  runTests(options as RunOptions).then(
    (result) => process.send!(result),
    // A run that cannot start (a broken config, say) is a failed run, not a dead child.
    (error: Error) => process.send!({ tests: [], brokenFiles: [], unhandled: [{ name: 'Error', message: error.stack ?? String(error), where: null }] }),
  );
});
