import { describe, expect, test } from 'vitest';
import { KafkaAdmin, kcat } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { within } from '#lib/testing/wait.ts';
import { WAIT_MS, producerFor, sendAll, startBroker, values } from './helpers.ts';

// Registered first, so its afterEach runs last: brokers stop before their folders go.
const tempDir = useTempDirs('kfs-step05-kcat-');
const cleanup = useCleanup();

/** Runs kcat with `input` as stdin; resolves with its exit code and what it printed. */
async function run(argv: string[], input: string[] = []) {
  let stdout = '';
  let stderr = '';
  const stdin = (async function* () {
    yield* input;
  })();
  const code = await within(kcat(argv, { stdin, stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) }), WAIT_MS, `kcat ${argv.join(' ')} did not finish`);
  return { code, stdout, stderr, said: `kcat ${argv.join(' ')} exited with ${code}; stderr: ${stderr.trim() || '(nothing)'}` };
}

describe('task 6: a kcat-like command line', () => {
  test('task 6: -L prints the brokers and topics in kafkacat\'s layout', async () => {
    const { bootstrap, port } = await startBroker(cleanup, tempDir(), { id: 1 });
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [bootstrap] }));
    await admin.createTopic('numtest', { partitions: 2 });
    await admin.createTopic('lol', { partitions: 1 });
    const { stdout, said } = await run(['-b', bootstrap, '-L']);
    expect(stdout, said).toBe(
      [
        `Metadata for all topics (from broker 1: 127.0.0.1:${port}/1):`,
        ' 1 brokers:',
        `  broker 1 at 127.0.0.1:${port} (controller)`,
        ' 2 topics:',
        '  topic "numtest" with 2 partitions:',
        '    partition 0, leader 1, replicas: 1, isrs: 1',
        '    partition 1, leader 1, replicas: 1, isrs: 1',
        '  topic "lol" with 1 partitions:',
        '    partition 0, leader 1, replicas: 1, isrs: 1',
        '',
      ].join('\n'),
    );
  });

  test('task 6: -P produces each line of stdin, and -C -e prints them back and stops at the end', async () => {
    const { bootstrap } = await startBroker(cleanup, tempDir());
    const produced = await run(['-b', bootstrap, '-P', '-t', 'lines'], ['first\nsec', 'ond\n', '\nthird']);
    expect(produced.code, produced.said).toBe(0);
    const consumed = await run(['-b', bootstrap, '-C', '-t', 'lines', '-e']);
    expect(consumed.stdout, `${consumed.said}\nstdin was "first\\nsec" + "ond\\n" + "\\nthird": lines may be split across chunks, empty lines are skipped`).toBe('first\nsecond\nthird\n');
    expect(consumed.stderr, 'with -e kcat says where each partition ended').toContain('% Reached end of topic lines [0] at offset 3');
    expect(consumed.code).toBe(0);
  });

  test('task 6: -o picks where -C starts: an offset, a count back from the end, or the end', async () => {
    const { bootstrap } = await startBroker(cleanup, tempDir());
    await sendAll(producerFor(cleanup, bootstrap), 'numtest', values('n', 5), { partition: 0 });
    const fromTwo = await run(['-b', bootstrap, '-C', '-t', 'numtest', '-o', '2', '-e']);
    expect(fromTwo.stdout, fromTwo.said).toBe('n2\nn3\nn4\n');
    const lastTwo = await run(['-b', bootstrap, '-C', '-t', 'numtest', '-o', '-2', '-e']);
    expect(lastTwo.stdout, lastTwo.said).toBe('n3\nn4\n');
    const end = await run(['-b', bootstrap, '-C', '-t', 'numtest', '-o', 'end', '-e']);
    expect(end.stdout, end.said).toBe('');
    expect(end.stderr, end.said).toContain('% Reached end of topic numtest [0] at offset 5');
  });

  test('task 6: -o s@<ms> starts each partition at its first record at or after that time (at its end where none is that late), and -o e@<ms> stops before one', async () => {
    const { bootstrap } = await startBroker(cleanup, tempDir());
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [bootstrap] }));
    await admin.createTopic('timed', { partitions: 2 });
    const producer = producerFor(cleanup, bootstrap);
    const base = Date.now() - 60_000;
    // Producers' clocks differ: partition 0's timestamps go back and forth.
    const stamps = [[0, 20, 10, 40], [0, 5]];
    for (const [partition, list] of stamps.entries()) {
      for (const [i, stamp] of list.entries()) await producer.send('timed', { value: `p${partition}-${i}`, partition, timestamp: base + stamp });
    }
    const read = await run(['-b', bootstrap, '-C', '-t', 'timed', '-o', `s@${base + 10}`, '-e']);
    expect(
      read.stdout.split('\n').filter(Boolean).sort(),
      `${read.said}\nrecords stamped base + ${JSON.stringify(stamps)} per partition; -o s@(base + 10) starts partition 0 at offset 1 (+20), the FIRST offset at or after the time (offsets order the answer, so +10 at offset 2 comes after it), and partition 1, with nothing that late, at its end`,
    ).toEqual(['p0-1', 'p0-2', 'p0-3']);
    const window = await run(['-b', bootstrap, '-C', '-t', 'timed', '-o', `s@${base + 5}`, '-o', `e@${base + 35}`, '-e']);
    expect(
      window.stdout.split('\n').filter(Boolean).sort(),
      `${window.said}\n-o s@(base + 5) -o e@(base + 35): partition 0 from offset 1 (+20), stopping before offset 3 (+40, at or after the stop time, not printed); partition 1 from offset 1 (+5) to its end`,
    ).toEqual(['p0-1', 'p0-2', 'p1-1']);
  });
});
