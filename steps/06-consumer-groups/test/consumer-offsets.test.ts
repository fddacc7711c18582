import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { OFFSETS_TOPIC, javaStringHashCode, partitionFor } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor } from '#lib/testing/wait.ts';
import { RawMember, WAIT_MS, committedOffsets, errorCodeOf, quietly, startBroker } from './helpers.ts';

const tempDir = useTempDirs('kfs-step06-offsets-');
const cleanup = useCleanup();

const p = (partition: number) => ({ topic: 'numtest', partition });

/** A member alone in `groupId`, synced: allowed to commit in its generation. */
async function memberOf(port: number, groupId: string) {
  const member = new RawMember(cleanup, port, groupId);
  await member.join();
  await member.sync({ [member.memberId]: [p(0), p(1)] });
  return member;
}

describe('task 5: committed offsets', () => {
  test('task 5: a commit is what offsetFetch answers afterwards; -1 where the group never committed', async () => {
    const { port } = await startBroker(cleanup, tempDir());
    const member = await memberOf(port, 'g');
    await member.commit([{ ...p(0), offset: 7 }]);
    expect(await committedOffsets(cleanup, port, 'g', [p(0), p(1)]), 'partition 0 was committed at 7; partition 1 never').toEqual([7, -1]);
    await member.commit([{ ...p(0), offset: 9 }, { ...p(1), offset: 3 }]);
    expect(await committedOffsets(cleanup, port, 'g', [p(0), p(1)]), 'a later commit replaces the earlier one').toEqual([9, 3]);
    expect(await committedOffsets(cleanup, port, 'another-group', [p(0)]), "groups do not share offsets: another group's commit is not this one's").toEqual([-1]);
  });

  test('task 5: commits are records in __consumer_offsets, in the partition that abs(hashCode(groupId)) % 50 picks', async () => {
    const dataDir = tempDir();
    const { port, broker } = await startBroker(cleanup, dataDir);
    const member = await memberOf(port, 'numtest-group');
    await member.commit([{ ...p(0), offset: 4 }]);
    const partition = partitionFor('numtest-group', 50);
    expect(fs.existsSync(path.join(dataDir, `${OFFSETS_TOPIC}-${partition}`)), `the commit should be in ${OFFSETS_TOPIC}-${partition} on disk`).toBe(true);
    const records = broker.records(OFFSETS_TOPIC, partition);
    expect(records.length, `one commit of one partition is one record in ${OFFSETS_TOPIC}-${partition}`).toBe(1);
    const text = `${records[0]!.key?.toString()} ${records[0]!.value?.toString()}`;
    for (const part of ['numtest-group', 'numtest', '4']) expect(text, 'the record says which group, topic, partition and offset').toContain(part);
  });

  test('task 5: committed offsets survive a broker restart, the latest commit winning', async () => {
    const dataDir = tempDir();
    const first = await startBroker(cleanup, dataDir);
    const member = await memberOf(first.port, 'g');
    await member.commit([{ ...p(0), offset: 5 }, { ...p(1), offset: 2 }]);
    await member.commit([{ ...p(0), offset: 10 }]);
    await first.broker.stop();
    const again = await startBroker(cleanup, dataDir);
    expect(await committedOffsets(cleanup, again.port, 'g', [p(0), p(1)]), 'a restarted broker should replay __consumer_offsets: 10 (not 5) for partition 0, 2 for partition 1').toEqual([10, 2]);
  });

  test('task 5: a commit from an older generation is refused with ILLEGAL_GENERATION, and not stored', async () => {
    const { port, broker } = await startBroker(cleanup, tempDir());
    const old = await memberOf(port, 'g');
    const staleGeneration = old.generationId;
    const newcomer = new RawMember(cleanup, port, 'g');
    const joining = quietly(newcomer.join());
    await waitFor(() => broker.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the newcomer should start a rebalance');
    await Promise.all([old.join(), joining]);
    await Promise.all([old.sync({ [old.memberId]: [p(0)], [newcomer.memberId]: [p(1)] }), newcomer.sync()]);
    expect(old.generationId, 'the group should be in a new generation').toBeGreaterThan(staleGeneration);
    expect(await errorCodeOf(old.commit([{ ...p(1), offset: 99 }], staleGeneration)), 'generation fencing: the partitions of an old generation may belong to someone else now').toBe('ILLEGAL_GENERATION');
    expect(await committedOffsets(cleanup, port, 'g', [p(1)]), 'a refused commit must not be stored').toEqual([-1]);
    expect(await errorCodeOf(newcomer.commit([{ ...p(1), offset: 6 }])), 'the current generation commits fine').toBe('no error');
    expect(await committedOffsets(cleanup, port, 'g', [p(1)])).toEqual([6]);
  });

  test('task 5: a commit between the join answer and the assignment is refused with REBALANCE_IN_PROGRESS', async () => {
    const { port } = await startBroker(cleanup, tempDir());
    const member = new RawMember(cleanup, port, 'g');
    await member.join(); // generation 1, CompletingRebalance: no assignment yet
    expect(await errorCodeOf(member.commit([{ ...p(0), offset: 3 }])), 'nobody owns any partition before the leader has synced').toBe('REBALANCE_IN_PROGRESS');
    expect(await committedOffsets(cleanup, port, 'g', [p(0)])).toEqual([-1]);
  });

  test('task 5: a commit counts as a sign of life, like a heartbeat', async () => {
    const { port, broker } = await startBroker(cleanup, tempDir());
    // Commits go on for more than two session timeouts; the timeout is long enough that a busy machine cannot miss one.
    const member = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 1_000 });
    await member.join();
    await member.sync({ [member.memberId]: [p(0)] });
    const until = Date.now() + 2_500;
    for (let offset = 1; Date.now() < until; offset++) {
      await member.commit([{ ...p(0), offset }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(broker.describeGroup('g').members.map((m) => m.memberId), 'a member that commits every 50 ms is alive, even without heartbeats').toEqual([member.memberId]);
  });

  test('task 5: a commit from a member the group does not know is refused with UNKNOWN_MEMBER_ID', async () => {
    const { port } = await startBroker(cleanup, tempDir());
    await memberOf(port, 'g');
    const outsider = new RawMember(cleanup, port, 'g');
    outsider.memberId = 'consumer-gone';
    outsider.generationId = 1;
    expect(await errorCodeOf(outsider.commit([{ ...p(0), offset: 1 }])), 'only members commit for a group that has members').toBe('UNKNOWN_MEMBER_ID');
    expect(await committedOffsets(cleanup, port, 'g', [p(0)])).toEqual([-1]);
  });

  test("task 5: the group's partition of __consumer_offsets is Kafka's: Java's String.hashCode, made positive, modulo 50", () => {
    expect([javaStringHashCode(''), javaStringHashCode('hello'), javaStringHashCode('numtest-group')], "Java's \"\".hashCode() is 0 and \"hello\".hashCode() is 99162322").toEqual([0, 99162322, -1958111862]);
    expect(partitionFor('hello', 50)).toBe(22);
    expect(partitionFor('numtest-group', 50), 'a negative hash (-1958111862) is made positive before the modulo').toBe(12);
    expect(partitionFor('polygenelubricants', 50), 'this string\'s hashCode is the one int Math.abs cannot make positive (-2^31); Kafka maps it to 0').toBe(0);
  });
});
