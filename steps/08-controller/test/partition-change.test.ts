// The controller's rules for a partition's leader and ISR, as plain functions: no network.
import { describe, expect, test } from 'vitest';
import { electLeader, preferredLeaderChange, whenBrokerFenced, whenBrokerUnfenced } from '../src/index.ts';
import type { PartitionState } from '../src/index.ts';

const state = (fields: Partial<PartitionState> = {}): PartitionState => ({ partition: 0, replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [1, 2, 3], partitionEpoch: 7, ...fields });
const alive = (...ids: number[]) => (id: number) => ids.includes(id);

describe('task 1: electing a leader', () => {
  test('task 1: the first replica, in preference order, that is in the ISR and alive', () => {
    expect(electLeader(state({ isr: [2, 3] }), alive(1, 2, 3)), 'replica 1 is out of the ISR').toBe(2);
    expect(electLeader(state({ isr: [1, 2, 3] }), alive(2, 3)), 'replica 1 is fenced').toBe(2);
    expect(electLeader(state({ replicas: [3, 1, 2], isr: [1, 2] }), alive(1, 2, 3)), 'preference is the replicas\' order, not the ids\'').toBe(1);
  });

  test('task 1: never a replica outside the ISR, even when it is the only one alive (no unclean election)', () => {
    expect(electLeader(state({ isr: [1] }), alive(2, 3)), 'brokers 2 and 3 may lack acknowledged records').toBe(-1);
  });

  test('task 1: a fenced leader is replaced by the next in-sync replica, with a new leader epoch and partition epoch', () => {
    const next = whenBrokerFenced(state(), 1, alive(2, 3));
    expect(next, 'broker 1 led: the partition must change').not.toBeNull();
    expect(next!.leader).toBe(2);
    expect(next!.isr, 'the fenced broker leaves the ISR').toEqual([2, 3]);
    expect(next!.leaderEpoch, 'a new leader, a new epoch: 4 → 5').toBe(5);
    expect(next!.partitionEpoch, 'every change is a new version: 7 → 8').toBe(8);
  });

  test('task 1: a fenced follower leaves the ISR; the leader and its epoch stay', () => {
    const next = whenBrokerFenced(state(), 3, alive(1, 2));
    expect(next).toMatchObject({ leader: 1, leaderEpoch: 4, isr: [1, 2], partitionEpoch: 8 });
    expect(whenBrokerFenced(state({ isr: [1, 2] }), 3, alive(1, 2)), 'broker 3 was in no ISR: nothing changes').toBeNull();
  });

  test('task 1: when the last in-sync replica is fenced the partition goes offline, keeping that replica as its ISR', () => {
    const next = whenBrokerFenced(state({ isr: [1] }), 1, alive(2, 3));
    expect(next).toMatchObject({ leader: -1, isr: [1], leaderEpoch: 5 });
  });
});

describe('task 5: leaders come back', () => {
  test('task 5: an offline partition gets its last in-sync replica back as leader when that broker returns', () => {
    const offline = state({ leader: -1, isr: [1], leaderEpoch: 5 });
    expect(whenBrokerUnfenced(offline, alive(2, 3)), 'broker 1 is still away: still offline').toBeNull();
    expect(whenBrokerUnfenced(offline, alive(1, 2, 3))).toMatchObject({ leader: 1, leaderEpoch: 6, isr: [1] });
  });

  test('task 5: leadership goes back to the preferred replica once it is alive and in sync', () => {
    const moved = state({ leader: 2, leaderEpoch: 5, isr: [2, 3] });
    expect(preferredLeaderChange(moved, alive(1, 2, 3)), 'broker 1 is alive but not in sync yet').toBeNull();
    expect(preferredLeaderChange({ ...moved, isr: [1, 2, 3] }, alive(1, 2, 3))).toMatchObject({ leader: 1, leaderEpoch: 6 });
    expect(preferredLeaderChange(state(), alive(1, 2, 3)), 'the preferred replica leads already').toBeNull();
  });
});
