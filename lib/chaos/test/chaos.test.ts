// A short chaos run (3 faults, a fixed seed) against step 08's and step 09's reference: the harness
// and the checker at work on real processes. Nothing acknowledged may be lost, and no offset may be
// inconsistent, go back or skip. One test after the other: each runs four processes and four
// clients, which is what a 2-core machine can take at once.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { countsLine, explain } from '../explain.ts';
import { runChaos } from '../run.ts';

const SEED = 18;
const TEST_MS = 180_000;

describe.each(['08-controller', '09-kafka-protocol'])('chaos on solutions/%s', (step) => {
  test('3 faults with seed 18: nothing acknowledged lost, no inconsistent, nonmonotonic or skipped offset', async () => {
    const lines: string[] = [];
    const run = await runChaos({ srcDir: path.join(SOLUTIONS_DIR, step, 'src'), seed: SEED, kills: 3, outDir: null, log: (line) => lines.push(line) });
    const story = `${lines.join('\n')}\n${countsLine(run.result)}\n${explain(run.result, run.history)}\n${run.notes.join('\n')}`;
    expect(run.rounds, `every fault should be done and healed:\n${story}`).toHaveLength(3);
    expect(run.notes, `the run should be complete (every round healed, every partition read to its end, the replicas the same):\n${story}`).toEqual([]);
    expect(run.result.counts.acked, `the producers should get acks through the faults:\n${story}`).toBeGreaterThan(100);
    expect(run.result.counts.read, story).toBeGreaterThanOrEqual(run.result.counts.acked);
    expect(run.replicasAgree, `every partition's in-sync replicas should hold the same records:\n${story}`).toEqual([true, true, true, true]);
    expect(
      { lost: run.result.counts.lost, inconsistentOffset: run.result.counts.inconsistentOffset, nonmonotonic: run.result.counts.nonmonotonic, skip: run.result.counts.skip },
      `the checker's verdict:\n${story}`,
    ).toEqual({ lost: 0, inconsistentOffset: 0, nonmonotonic: 0, skip: 0 });
  }, TEST_MS);
});
