import { describe, expect, test } from 'vitest';
import { kcat } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { ExpectationFailed, waitFor, within } from '#lib/testing/wait.ts';
import { WAIT_MS, produce, setup } from './helpers.ts';

const tempDir = useTempDirs('kfs-step06-kcat-');
const cleanup = useCleanup();

/** Starts `kcat -G …` in the background; it runs until stop() (Ctrl-C in a terminal). */
function startGroupKcat(argv: string[]) {
  const controller = new AbortController();
  const output = { stdout: '', stderr: '' };
  const stdin = (async function* () {})();
  let exited: number | null = null;
  const exit = kcat(argv, { stdin, stdout: (text) => (output.stdout += text), stderr: (text) => (output.stderr += text), signal: controller.signal });
  void exit.then((code) => (exited = code));
  const lines = () => output.stdout.split('\n').filter((line) => line !== '');
  return {
    output,
    lines,
    async until(count: number, what: string) {
      await waitFor(() => {
        if (exited !== null && lines().length < count) throw new ExpectationFailed(`kcat ${argv.join(' ')} exited with ${exited} before ${what}; stderr: ${output.stderr.trim() || '(nothing)'}`);
        return lines().length >= count;
      }, WAIT_MS, () => `kcat ${argv.join(' ')}: ${what}; it printed ${lines().length} line(s); stderr: ${output.stderr.trim() || '(nothing)'}`);
    },
    async stop() {
      controller.abort();
      return within(exit, WAIT_MS, 'kcat -G should exit once stopped');
    },
  };
}

describe('task 7: kcat as a group member', () => {
  test('task 7: kcat -G prints what the group has not read yet; run again, it prints only what is new', async () => {
    const { bootstrap, producer } = await setup(cleanup, tempDir(), 2);
    await produce(producer, 'numtest', 'line', 6, 2);
    const argv = ['-b', bootstrap, '-G', 'kcat-group', 'numtest'];
    const first = startGroupKcat(argv);
    await first.until(6, 'expected the 6 lines already in the topic');
    expect(await first.stop(), `exit code; stderr: ${first.output.stderr}`).toBe(0);
    expect(first.output.stderr, 'kcat -G reports its group membership on stderr').toContain('kcat-group');
    const next = await produce(producer, 'numtest', 'more', 2, 2);
    const second = startGroupKcat(argv);
    await second.until(2, 'expected the 2 new lines');
    await second.stop();
    expect(second.lines().sort(), 'the first run committed what it printed when it stopped, so only the new lines come').toEqual([...next].sort());
  });
});
