// The timeline: two snapshots in a row become the events a student reads on the page.
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../events.ts';
import type { BrokerView, GroupView, PartitionView, Snapshot } from '../snapshot.ts';

function broker(id: number, status: BrokerView['status'] = 'alive'): BrokerView {
  return { id, host: '127.0.0.1', port: 9091 + id, status, detail: status === 'dead' ? 'connection refused' : 'answers', pid: null };
}

function partition(number: number, leader: number, isr: number[], leaderEpoch: number | null = 0): PartitionView {
  return { partition: number, leader, isr, leaderEpoch, highWatermark: 0, replicas: [1, 2, 3].map((id) => ({ id, logEndOffset: 0, inIsr: isr.includes(id), leader: id === leader, reachable: true })) };
}

function group(state: string, generationId: number | null, members = 1): GroupView {
  return { groupId: 'g', state, protocolName: 'range', generationId, coordinator: 1, members: Array.from({ length: members }, (_, i) => ({ memberId: `m${i}`, partitions: [] })), offsets: [] };
}

function snapshot(time: number, parts: Partial<Snapshot>): Snapshot {
  return {
    time,
    step: '08-controller',
    source: 'the reference',
    capabilities: { controller: true, replicas: true, groups: true, generation: true, control: false },
    notes: [],
    brokers: [broker(1), broker(2), broker(3)],
    controller: null,
    topics: [{ name: 't', partitions: [partition(0, 1, [1, 2, 3]), partition(1, 2, [2, 3, 1])] }],
    groups: [],
    problems: [],
    ...parts,
  };
}

const texts = (before: Snapshot | null, after: Snapshot) => diffSnapshots(before, after).map((event) => `${event.kind}: ${event.text}`);

describe('diffSnapshots', () => {
  it('starts the timeline with who is alive', () => {
    expect(texts(null, snapshot(1, {}))).toEqual(['broker: Watching 3 broker(s); alive: 1, 2, 3']);
  });

  it('says nothing when nothing changed', () => {
    expect(texts(snapshot(1, {}), snapshot(2, {}))).toEqual([]);
  });

  it('a failover: the broker gone, the ISR shrinking, a new leader with a newer epoch, each with the time it was seen', () => {
    const before = snapshot(1000, {});
    const after = snapshot(2000, { brokers: [broker(1, 'dead'), broker(2), broker(3)], topics: [{ name: 't', partitions: [partition(0, 2, [2, 3], 1), partition(1, 2, [2, 3], 0)] }] });
    const events = diffSnapshots(before, after);
    expect(events.map((event) => `${event.kind}: ${event.text}`)).toEqual([
      'broker: Broker 1 is gone (connection refused)',
      'election: t-0: leader 1 → 2, leader epoch 1',
      'isr-shrink: ISR of t-0 shrank: 1,2,3 → 2,3',
      'isr-shrink: ISR of t-1 shrank: 2,3,1 → 2,3',
    ]);
    expect(events.every((event) => event.time === 2000)).toBe(true);
  });

  it('the broker back: alive, the ISR grown, its leadership back', () => {
    const before = snapshot(1, { brokers: [broker(1, 'fenced'), broker(2), broker(3)], topics: [{ name: 't', partitions: [partition(0, 2, [2, 3], 1)] }] });
    const after = snapshot(2, { topics: [{ name: 't', partitions: [partition(0, 1, [2, 3, 1], 2)] }] });
    expect(texts(before, after)).toEqual(['broker: Broker 1 is alive', 'election: t-0: leader 2 → 1, leader epoch 2', 'isr-expand: ISR of t-0 grew: 2,3 → 2,3,1']);
  });

  it('a partition left without a leader, and a paused or fenced broker, in words', () => {
    const before = snapshot(1, {});
    const after = snapshot(2, { brokers: [broker(1, 'paused'), broker(2, 'fenced'), broker(3)], topics: [{ name: 't', partitions: [partition(0, -1, [1], 3), partition(1, 2, [2, 3, 1])] }] });
    expect(texts(before, after)).toEqual([
      'broker: Broker 1 is paused (SIGSTOP)',
      'broker: Broker 2 is fenced (it answers, but the controller keeps it out)',
      'election: t-0 has no leader (was 1), leader epoch 3',
      'isr-shrink: ISR of t-0 shrank: 1,2,3 → 1',
    ]);
  });

  it('an epoch bump with the same leader is an election too', () => {
    const before = snapshot(1, { topics: [{ name: 't', partitions: [partition(0, 1, [1, 2, 3], 4)] }] });
    const after = snapshot(2, { topics: [{ name: 't', partitions: [partition(0, 1, [1, 2, 3], 5)] }] });
    expect(texts(before, after)).toEqual(['election: t-0: broker 1 leads again, leader epoch 5']);
  });

  it('groups: a new group, a rebalance (new generation), a state change without one', () => {
    expect(texts(snapshot(1, {}), snapshot(2, { groups: [group('Stable', 1)] }))).toEqual(['group: Group g appears: Stable, 1 member(s)']);
    expect(texts(snapshot(1, { groups: [group('Stable', 1)] }), snapshot(2, { groups: [group('Stable', 2, 2)] }))).toEqual(['rebalance: Group g rebalanced: generation 1 → 2, 2 member(s), Stable']);
    expect(texts(snapshot(1, { groups: [group('Stable', 2)] }), snapshot(2, { groups: [group('PreparingRebalance', 2)] }))).toEqual(['rebalance: Group g: Stable → PreparingRebalance (1 member(s))']);
    // Step 09 has no generation (Kafka's DescribeGroups carries none): state changes still show.
    expect(texts(snapshot(1, { groups: [group('Stable', null)] }), snapshot(2, { groups: [group('Empty', null, 0)] }))).toEqual(['group: Group g: Stable → Empty (0 member(s))']);
  });

  it('a topic that appears', () => {
    const after = snapshot(2, { topics: [...snapshot(0, {}).topics, { name: 'new', partitions: [partition(0, 1, [1])] }] });
    expect(texts(snapshot(1, {}), after)).toEqual(['topic: Topic new appears: 1 partition(s)']);
  });
});
