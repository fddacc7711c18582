// The leader's bookkeeping, one Partition at a time: no network, and a clock the test moves.
import { describe, expect, test } from 'vitest';
import { Log, Partition } from '../src/index.ts';
import type { LogRecord } from '../src/index.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';

const tempDir = useTempDirs('kfs-step07-partition-');

const records = (count: number): LogRecord[] => Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: 1_700_000_000_000 + i, headers: [] }));

/** Broker 1 leading a partition replicated on 1, 2 and 3 (all in sync), with a clock at `clock.now`. */
function leader({ isr = [1, 2, 3], minInsyncReplicas = 1, highWatermark = 0 } = {}) {
  const clock = { now: 1_000_000 };
  const isrChanges: number[][] = [];
  const log = Log.open(tempDir(), 'numtest', 0);
  const partition = new Partition({
    topic: 'numtest',
    partition: 0,
    log,
    localId: 1,
    layout: { partition: 0, leader: 1, replicas: [1, 2, 3], isr },
    highWatermark,
    minInsyncReplicas,
    onIsrChange: (changed) => isrChanges.push([...changed.isr]),
    now: () => clock.now,
  });
  return { partition, clock, isrChanges, log };
}

describe('task 2: log end offsets and the high watermark', () => {
  test('task 2: alone in its ISR, the leader moves the high watermark with its own appends', () => {
    const { partition } = leader({ isr: [1] });
    partition.appendAsLeader(records(3), 1);
    expect(partition.highWatermark, 'ISR = [1]: the leader has every record the ISR has').toBe(3);
  });

  test('task 2: the high watermark is the smallest log end offset in the ISR, never the leader\'s own alone', () => {
    const { partition } = leader();
    partition.appendAsLeader(records(10), 1);
    expect(partition.highWatermark, 'no follower has fetched yet: nothing is on every in-sync replica').toBe(0);
    partition.updateFollowerFetch(2, 10);
    expect(partition.highWatermark, 'follower 2 has 10 but follower 3 has none').toBe(0);
    partition.updateFollowerFetch(3, 6);
    expect(partition.highWatermark, 'LEOs in the ISR: leader 10, follower 2 10, follower 3 6').toBe(6);
    partition.updateFollowerFetch(3, 10);
    expect(partition.highWatermark).toBe(10);
  });

  test('task 2: the follower\'s fetch offset is its log end offset, as the leader records it', () => {
    const { partition } = leader();
    partition.appendAsLeader(records(4), 1);
    partition.updateFollowerFetch(2, 3);
    expect(partition.follower(2)?.logEndOffset, 'a follower fetching from offset 3 has offsets 0 to 2: its LEO is 3').toBe(3);
  });

  test('task 2: the high watermark never goes back, and updateFollowerFetch says when it moved', () => {
    const { partition } = leader({ isr: [1, 2] });
    partition.appendAsLeader(records(5), 1);
    expect(partition.updateFollowerFetch(2, 5), 'the HW moved from 0 to 5: updateFollowerFetch returns true').toBe(true);
    expect(partition.updateFollowerFetch(2, 5), 'nothing changed: false').toBe(false);
    expect(partition.maybeAdvanceHighWatermark(), 'nothing to move').toBe(false);
    expect(partition.highWatermark).toBe(5);
  });

  test('task 2: a restarted leader starts from its saved high watermark, not from its log end', () => {
    const { partition, log } = leader({ isr: [1, 2, 3] });
    partition.appendAsLeader(records(8), 1);
    // A leader restarting with 8 records but a checkpoint that says 5:
    const restarted = new Partition({ topic: 'numtest', partition: 0, log, localId: 1, layout: { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }, highWatermark: 5, minInsyncReplicas: 1, onIsrChange: () => {} });
    expect(restarted.highWatermark, 'offsets 5 to 7 may be on the leader only: consumers must not see them yet').toBe(5);
    restarted.maybeAdvanceHighWatermark();
    expect(restarted.highWatermark, 'the followers have not fetched since the restart: the HW waits for them').toBe(5);
  });
});

describe('task 3: the followers, as the leader sees them', () => {
  test('task 3: a follower that fetches from the leader\'s log end is caught up now', () => {
    const { partition, clock } = leader();
    partition.appendAsLeader(records(3), 1);
    clock.now += 500;
    partition.updateFollowerFetch(2, 3);
    expect(partition.follower(2)?.lastCaughtUpTimeMs, 'fetching from the leader\'s LEO (3) means caught up at this fetch').toBe(clock.now);
    expect(() => partition.updateFollowerFetch(7, 0), 'broker 7 is no replica of this partition').toThrow(/NOT_LEADER_OR_FOLLOWER/);
  });

  test('task 3: a follower one fetch behind a busy leader was caught up as of its previous fetch', () => {
    const { partition, clock } = leader();
    partition.appendAsLeader(records(3), 1);
    const start = clock.now;
    clock.now = start + 100;
    partition.updateFollowerFetch(2, 0); // leader LEO was 3 at this fetch
    partition.appendAsLeader(records(2), 1); // leader LEO now 5
    clock.now = start + 200;
    partition.updateFollowerFetch(2, 3); // it has all the leader had at its previous fetch
    expect(partition.follower(2)?.lastCaughtUpTimeMs, 'it reached 3, the leader\'s LEO at its previous fetch (at +100 ms): caught up as of +100 ms').toBe(start + 100);
  });

  test('task 3: a follower behind both the leader\'s end and its previous end is not caught up', () => {
    const { partition, clock } = leader();
    const initial = partition.follower(2)!.lastCaughtUpTimeMs;
    partition.appendAsLeader(records(10), 1);
    clock.now += 100;
    partition.updateFollowerFetch(2, 0);
    partition.appendAsLeader(records(10), 1);
    clock.now += 100;
    partition.updateFollowerFetch(2, 5);
    expect(partition.follower(2)?.lastCaughtUpTimeMs, 'offset 5 is short of 10 (its previous fetch\'s leader end) and of 20').toBe(initial);
  });

  test('task 3: a follower outside the ISR comes back once it reaches the high watermark, and the change is reported', () => {
    const { partition, isrChanges } = leader({ isr: [1, 2] });
    partition.appendAsLeader(records(6), 1);
    partition.updateFollowerFetch(2, 6); // HW 6
    partition.updateFollowerFetch(3, 4);
    expect(partition.isr, 'follower 3 is at 4, short of the high watermark 6: still out').toEqual([1, 2]);
    partition.updateFollowerFetch(3, 6);
    expect([...partition.isr].sort(), 'follower 3 reached the high watermark: back in the ISR').toEqual([1, 2, 3]);
    expect(isrChanges.map((isr) => [...isr].sort().join(',')), 'onIsrChange is called once, with the new ISR').toEqual(['1,2,3']);
  });

});

describe('task 4: the ISR shrinks', () => {
  test('task 4: a follower not caught up for longer than the lag time leaves the ISR, and the high watermark moves on without it', () => {
    const { partition, clock, isrChanges } = leader();
    partition.appendAsLeader(records(5), 1);
    partition.updateFollowerFetch(2, 5); // follower 3 never fetches
    expect(partition.highWatermark, 'follower 3 holds the HW at 0').toBe(0);
    clock.now += 1_000;
    expect(partition.maybeShrinkIsr(1_000), 'exactly the lag time: not yet').toBe(false);
    expect([...partition.isr].sort()).toEqual([1, 2, 3]);
    partition.updateFollowerFetch(2, 5); // follower 2 keeps fetching
    clock.now += 1;
    expect(partition.maybeShrinkIsr(1_000), 'over the lag time: follower 3 leaves, and the HW moves (true)').toBe(true);
    expect([...partition.isr].sort(), 'follower 2 fetched 1 ms ago and stays').toEqual([1, 2]);
    expect(partition.highWatermark, 'the HW is now min(leader 5, follower 2 5)').toBe(5);
    expect(isrChanges.map((isr) => [...isr].sort().join(','))).toEqual(['1,2']);
  });

  test('task 4: a follower that fetches but stays behind leaves too: fetching is not keeping up', () => {
    const { partition, clock } = leader({ isr: [1, 2] });
    for (let i = 0; i < 5; i++) {
      partition.appendAsLeader(records(10), 1);
      clock.now += 300;
      partition.updateFollowerFetch(2, i); // always far behind
    }
    expect(partition.maybeShrinkIsr(1_000), '1.5 s without being caught up, lag time 1 s').toBe(true);
    expect(partition.isr).toEqual([1]);
  });

  test('task 4: the ISR can shrink to the leader alone, never further; and only a leader shrinks it', () => {
    const { partition, clock } = leader({ isr: [1, 2] });
    clock.now += 1_001;
    partition.maybeShrinkIsr(1_000);
    expect(partition.isr, 'follower 2 never fetched in over the lag time: it leaves').toEqual([1]);
    clock.now += 60_000;
    expect(partition.maybeShrinkIsr(1_000), 'the leader has every record it has: it never leaves its own ISR').toBe(false);
    expect(partition.isr).toEqual([1]);
    const follower = new Partition({ topic: 'numtest', partition: 1, log: Log.open(tempDir(), 'numtest', 1), localId: 2, layout: { partition: 1, leader: 1, replicas: [1, 2], isr: [1, 2] }, highWatermark: 0, minInsyncReplicas: 1, onIsrChange: () => {} });
    expect(follower.maybeShrinkIsr(0), 'only a leader changes the ISR').toBe(false);
  });
});

describe('task 6: min.insync.replicas', () => {
  test('task 6: with fewer in-sync replicas than min.insync.replicas, an acks=all append is refused BEFORE it is written', () => {
    const { partition } = leader({ isr: [1], minInsyncReplicas: 2 });
    expect(() => partition.appendAsLeader(records(1), -1)).toThrow(/NOT_ENOUGH_REPLICAS: .*\b1 in-sync.*min\.insync\.replicas is 2/);
    expect(partition.logEndOffset, 'the refused batch must not be in the log: a consumer would read it later').toBe(0);
  });

  test('task 6: acks=1 ignores min.insync.replicas; acks=all passes once enough replicas are in sync', () => {
    const { partition } = leader({ isr: [1, 3], minInsyncReplicas: 2 });
    expect(partition.appendAsLeader(records(2), 1)).toBe(0);
    expect(partition.appendAsLeader(records(2), -1), 'ISR [1, 3] has 2 members: enough').toBe(2);
  });

  test('task 6: under min.insync.replicas the high watermark stays put: an acks=1 write is taken but nobody reads it until a follower has it', () => {
    const { partition } = leader({ isr: [1], minInsyncReplicas: 2 });
    expect(partition.appendAsLeader(records(3), 1), 'acks=1 is still accepted with the ISR below the minimum').toBe(0);
    expect(
      partition.highWatermark,
      'the ISR [1] is below min.insync.replicas 2: the high watermark must not move (Kafka since 3.7), or a consumer could read records on one copy only',
    ).toBe(0);
    partition.updateFollowerFetch(2, 3);
    expect(partition.isr, 'follower 2 has everything and rejoins').toEqual([1, 2]);
    expect(partition.highWatermark, 'two in-sync replicas have offsets 0 to 2: now they are committed').toBe(3);
  });

  test('task 6: a topic with fewer replicas than min.insync.replicas is not stuck: the minimum counts at most its replicas', () => {
    const clock = { now: 1_000_000 };
    const partition = new Partition({
      topic: 'single',
      partition: 0,
      log: Log.open(tempDir(), 'single', 0),
      localId: 1,
      layout: { partition: 0, leader: 1, replicas: [1], isr: [1] },
      highWatermark: 0,
      minInsyncReplicas: 2,
      onIsrChange: () => {},
      now: () => clock.now,
    });
    expect(partition.appendAsLeader(records(2), -1), 'one replica, min.insync.replicas 2: the minimum is 1 here, as in Kafka').toBe(0);
    expect(partition.highWatermark).toBe(2);
  });
});
