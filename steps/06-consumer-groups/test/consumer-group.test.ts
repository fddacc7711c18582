import { describe, expect, test } from 'vitest';
import { KafkaProducer, roundRobinAssignor, stringSerializer } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { ExpectationFailed, waitFor } from '#lib/testing/wait.ts';
import { RawMember, WAIT_MS, committedOffsets, groupConsumer, loggedLines, membersOf, produce, readInBackground, setup, startBroker, troubleLogged, waitForSplit } from './helpers.ts';

const tempDir = useTempDirs('kfs-step06-group-');
const cleanup = useCleanup();

const ALL_FOUR = ['numtest-0', 'numtest-1', 'numtest-2', 'numtest-3'];

/** Values seen more than once across the readers, and values sent but never seen. */
function compare(sent: string[], readers: Array<{ values: () => Array<string | null> }>) {
  const seen = readers.flatMap((reader) => reader.values());
  const duplicates = [...new Set(seen.filter((value, i) => seen.indexOf(value) !== i))];
  const missing = sent.filter((value) => !seen.includes(value));
  return { seen, duplicates, missing };
}

describe('task 6: joining as a consumer', () => {
  test('task 6: a consumer alone in its group is assigned every partition and reads everything', async () => {
    const { bootstrap, producer } = await setup(cleanup, tempDir());
    const sent = await produce(producer, 'numtest', 'v', 12, 4);
    const alone = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'solo'), 'the consumer');
    await alone.until(() => alone.records.length >= 12, 'expected all 12 records');
    expect(alone.owns(), 'the only member of a group owns every partition').toEqual(ALL_FOUR);
    expect(alone.values().sort()).toEqual([...sent].sort());
  });

  test('task 6: two members split four partitions: no partition read by both, none left out', async () => {
    const { bootstrap, producer } = await setup(cleanup, tempDir());
    const a = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'split'), 'member A');
    await a.until(() => a.owns().length === 4, 'expected the first member to own all 4 partitions');
    const b = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'split'), 'member B');
    await waitForSplit([a, b], ALL_FOUR);
    expect([a.owns().length, b.owns().length], 'the range assignor gives 2 members 2 partitions each').toEqual([2, 2]);
    // npm run chaos and the demos learn of each rebalance from this line: its form is part of the task.
    for (const reader of [a, b]) {
      const joined = loggedLines(reader.consumer).filter((line) => line.startsWith('Joined group')).at(-1) ?? '(no line starting "Joined group")';
      const form = /^Joined group "split" as \S+ in generation \d+(?: \(leader, [\w-]+ assignor\))?: assigned (.+)$/.exec(joined);
      expect(form, `${reader.name} logs its assignment as 'Joined group "split" as <member id> in generation <n>: assigned numtest-0, numtest-1' (the leader adds " (leader, range assignor)" before the colon); its last such line was: ${joined}`).not.toBeNull();
      expect(form![1]!.split(', ').sort(), `${reader.name}'s "Joined group" line names the partitions it owns`).toEqual(reader.owns());
    }
    const sent = await produce(producer, 'numtest', 'x', 20, 4);
    await waitFor(() => compare(sent, [a, b]).missing.length === 0, WAIT_MS, 'every record should reach one of the two members');
    const { duplicates } = compare(sent, [a, b]);
    expect(duplicates, 'in a group each record goes to one member only').toEqual([]);
    for (const reader of [a, b]) {
      const foreign = reader.records.filter((record) => !reader.owns().includes(`${record.topic}-${record.partition}`) && record.value?.startsWith('x'));
      expect(foreign.map((r) => `${r.topic}-${r.partition}@${r.offset}`), `${reader.name} read a partition it does not own`).toEqual([]);
    }
  });

  test('task 6: a third member joins and the split is redone among all three', async () => {
    const { bootstrap } = await setup(cleanup, tempDir());
    const readers = [readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'three'), 'member A'), readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'three'), 'member B')];
    await waitForSplit(readers, ALL_FOUR);
    readers.push(readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'three'), 'member C'));
    await waitForSplit(readers, ALL_FOUR);
    expect(readers.map((reader) => reader.owns().length).sort(), '4 partitions over 3 members: 2, 1 and 1').toEqual([1, 1, 2]);
  });

  test('task 6: when a member falls silent, the others take over its partitions after its session timeout', async () => {
    const { bootstrap, port, broker, producer } = await setup(cleanup, tempDir());
    // A member that joins, takes half the partitions, then crashes: it never heartbeats again.
    const crashed = new RawMember(cleanup, port, 'failover', { sessionTimeoutMs: 500 });
    await crashed.join();
    await crashed.sync({ [crashed.memberId]: [{ topic: 'numtest', partition: 0 }, { topic: 'numtest', partition: 1 }] });
    const survivor = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'failover'), 'the surviving member');
    await survivor.until(() => survivor.owns().length === 4, 'expected the surviving member to own all 4 partitions once the silent one is evicted (500 ms session)');
    expect(membersOf(broker, 'failover').length, 'the silent member is gone from the group').toBe(1);
    const sent = await produce(producer, 'numtest', 'after', 8, 4);
    await survivor.until(() => compare(sent, [survivor]).missing.length === 0, 'expected the survivor to read the records of every partition');
  });


  test('task 6: the leader runs the assignor the members chose: round-robin when they all prefer it', async () => {
    const { bootstrap, admin } = await setup(cleanup, tempDir(), 1, 'left');
    await admin.createTopic('right', { partitions: 1 });
    const options = { partitionAssignmentStrategy: [roundRobinAssignor] };
    const readers = [readInBackground(groupConsumer(cleanup, bootstrap, ['left', 'right'], 'rr', options), 'member A'), readInBackground(groupConsumer(cleanup, bootstrap, ['left', 'right'], 'rr', options), 'member B')];
    // Range would give one member both partition 0s; round-robin deals one to each.
    await waitForSplit(readers, ['left-0', 'right-0']);
    expect(readers.map((reader) => reader.owns().length), 'round-robin: each member reads one of the two topics').toEqual([1, 1]);
  });
});

describe('task 7: committing offsets', () => {
  test('task 7: a member that closes hands its partitions over: the other reads on from its commit, losing nothing and repeating nothing', async () => {
    const { bootstrap, producer } = await setup(cleanup, tempDir());
    // Sessions of 30 s: B can only take over quickly because A says it leaves.
    const a = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'handover', { sessionTimeoutMs: 30_000 }), 'member A');
    const b = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'handover', { sessionTimeoutMs: 30_000 }), 'member B');
    await waitForSplit([a, b], ALL_FOUR);
    const first = await produce(producer, 'numtest', 'first', 20, 4);
    await waitFor(() => compare(first, [a, b]).missing.length === 0, WAIT_MS, 'both members should read the first 20 records');
    await a.consumer.close();
    await b.until(() => b.owns().length === 4, 'expected member B to take over all 4 partitions right after A closed (close() must send leaveGroup; the 30 s session timeout is far away)');
    const second = await produce(producer, 'numtest', 'second', 20, 4);
    await b.until(() => compare(second, [b]).missing.length === 0, 'expected member B to read every record sent after A left');
    const { duplicates, missing } = compare([...first, ...second], [a, b]);
    expect(missing, 'records nobody read').toEqual([]);
    expect(duplicates, 'A committed its position when it closed, so B starts exactly there: no record should be read twice').toEqual([]);
  });

  test('task 7: a restarted consumer resumes after its group\'s last commit: old records once, then only new ones', async () => {
    const dataDir = tempDir();
    const { bootstrap, broker, producer } = await setup(cleanup, dataDir);
    const sent = await produce(producer, 'numtest', 'n', 10, 4);
    const firstRun = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'numtest-group'), 'the first run');
    await firstRun.until(() => firstRun.records.length === 10, 'expected the first run to print all 10 records');
    await firstRun.consumer.close();
    await producer.close();
    await broker.stop();
    // The broker restarts on the same folder, on a new port: the commits must come back from disk.
    const again = await startBroker(cleanup, dataDir);
    const secondRun = readInBackground(groupConsumer(cleanup, again.bootstrap, 'numtest', 'numtest-group'), 'the second run');
    await secondRun.until(() => secondRun.owns().length === 4, 'expected the second run to join the group');
    const producerAgain = cleanup(new KafkaProducer({ bootstrapServers: [again.bootstrap], valueSerializer: stringSerializer, lingerMs: 0 }));
    const next = await produce(producerAgain, 'numtest', 'new', 4, 4);
    await secondRun.until(() => secondRun.records.length >= 4, 'expected the second run to print the 4 new records');
    expect(secondRun.values().sort(), `the second run should print only what is new (the first run read and committed ${sent.length} records)`).toEqual([...next].sort());
  });

  test('task 7: two groups each read everything: offsets are kept per group', async () => {
    const { bootstrap, producer } = await setup(cleanup, tempDir());
    const sent = await produce(producer, 'numtest', 'v', 12, 4);
    const one = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'group-one'), 'the consumer of group-one');
    await one.until(() => one.records.length === 12, 'expected group-one to read all 12');
    await one.consumer.close();
    const two = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'group-two'), 'the consumer of group-two');
    await two.until(() => two.records.length === 12, "expected group-two to read all 12 too: group-one's commits are not group-two's");
    expect(two.values().sort()).toEqual([...sent].sort());
  });

  test('task 7: auto-commit stores the positions every autoCommitIntervalMs while the loop runs', async () => {
    const { bootstrap, port, producer } = await setup(cleanup, tempDir());
    await produce(producer, 'numtest', 'v', 12, 4);
    const reader = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'auto', { autoCommitIntervalMs: 50 }), 'the consumer');
    await reader.until(() => reader.records.length === 12, 'expected all 12 records');
    const partitions = [0, 1, 2, 3].map((partition) => ({ topic: 'numtest', partition }));
    let committed: number[] = [];
    await waitFor(async () => {
      committed = await committedOffsets(cleanup, port, 'auto', partitions);
      return committed.every((offset) => offset === 3);
    }, WAIT_MS, () => `with enableAutoCommit (the default) the positions (3 in each partition) should be committed within an autoCommitIntervalMs of 50 ms, while the consumer is still open; committed: [${committed.join(', ')}]${troubleLogged(reader.consumer)}`);
    expect(committed).toEqual([3, 3, 3, 3]);
  });

  test('task 7: without a commit the group reads the same records again: delivery is at-least-once', async () => {
    const { bootstrap, port, producer } = await setup(cleanup, tempDir());
    const sent = await produce(producer, 'numtest', 'v', 8, 4);
    const options = { enableAutoCommit: false };
    const first = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'manual', options), 'the first consumer');
    await first.until(() => first.records.length === 8, 'expected all 8 records');
    await first.consumer.close();
    expect(await committedOffsets(cleanup, port, 'manual', [{ topic: 'numtest', partition: 0 }]), 'enableAutoCommit: false and no commit(): nothing may be committed, not even on close()').toEqual([-1]);
    const second = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'manual', options), 'the second consumer');
    await second.until(() => second.records.length === 8, 'expected the same 8 records again: nothing was committed');
    await second.consumer.commit();
    expect(await committedOffsets(cleanup, port, 'manual', [0, 1, 2, 3].map((partition) => ({ topic: 'numtest', partition }))), 'commit() stores the position of every partition the consumer owns').toEqual([2, 2, 2, 2]);
    await second.consumer.close();
    const third = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'manual', options), 'the third consumer');
    await third.until(() => third.owns().length === 4, 'expected the third consumer to join');
    // The assignment is known a round trip before the positions read from the group's commits: ask once they are.
    let position = -1;
    await waitFor(() => third.consumer.position({ topic: 'numtest', partition: 0 }).then((found) => ((position = found), true), () => false), 10_000, 'the third consumer never had a position for numtest-0');
    expect(position, 'after a commit() the group resumes from it').toBe(2);
    expect(third.records, `the third consumer has nothing left to read (all ${sent.length} were committed)`).toEqual([]);
  });

  test('task 7: a member whose loop body is slower than its session timeout keeps heartbeating, rejoins late, and nothing is read twice', async () => {
    const { bootstrap, producer, broker } = await setup(cleanup, tempDir());
    const sent = await produce(producer, 'numtest', 'v', 8, 4);
    // A's loop body takes 2.5 s for its first record: longer than its 1 s session, within its 5 s maxPollIntervalMs.
    const a = groupConsumer(cleanup, bootstrap, 'numtest', 'slow-loop', { sessionTimeoutMs: 1_000, maxPollIntervalMs: 5_000 });
    const seenByA: string[] = [];
    let busy = false;
    let failureA: Error | null = null;
    void (async () => {
      for await (const record of a) {
        seenByA.push(record.value!);
        if (seenByA.length === 1) {
          busy = true;
          await new Promise((resolve) => setTimeout(resolve, 2_500)); // the slow work itself, not a wait for an event
          busy = false;
        }
      }
    })().catch((error: unknown) => {
      failureA = error as Error;
    });
    /** A's loop ended with an error: nothing it was waited for can happen now. */
    const loopAFailed = (what: string) => {
      if (failureA) throw new ExpectationFailed(`member A's for-await loop failed while waiting for ${what}: ${failureA.message}`);
    };
    await waitFor(() => {
      loopAFailed('its first record');
      return busy;
    }, WAIT_MS, () => `member A should get a first record and start working on it; it owns [${a.assignment().map(({ partition }) => `numtest-${partition}`).join(', ')}]${troubleLogged(a)}`);
    const b = readInBackground(groupConsumer(cleanup, bootstrap, 'numtest', 'slow-loop', { sessionTimeoutMs: 1_000, maxPollIntervalMs: 5_000 }), 'member B');
    await waitFor(() => {
      loopAFailed('the split');
      return a.assignment().length === 2 && b.owns().length === 2;
    }, WAIT_MS, () => `expected A and B to split the partitions once A has rejoined; A owns ${a.assignment().length}${troubleLogged(a)}; B owns ${b.owns().length}${troubleLogged(b.consumer)}`);
    await waitFor(() => compare(sent, [{ values: () => seenByA }, b]).missing.length === 0, WAIT_MS, 'every record should be read by A or B');
    const { duplicates } = compare(sent, [{ values: () => seenByA }, b]);
    // What A logged goes on lines of its own, so the records read twice follow on the last line.
    const logged = troubleLogged(a);
    expect(duplicates, `A heartbeats on during the rebalance, so it is not evicted: it commits its position before rejoining and B starts there${logged ? `${logged}\nrecords read twice` : ''}`).toEqual([]);
    expect(broker.describeGroup('slow-loop').generationId, 'one rebalance for B joining (generation 1 was A alone); an eviction of A would have made more').toBe(2);
  });
});
