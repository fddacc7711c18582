// The timeline: what changed between two snapshots, as events a student can read ("ISR of
// test-topic-0 shrank: 1,2,3 → 1,3"). Pure: the same two snapshots give the same events.
import type { BrokerView, PartitionView, Snapshot, TimelineEvent } from './snapshot.ts';

const BROKER_WORDS: Record<BrokerView['status'], string> = {
  alive: 'is alive',
  fenced: 'is fenced (it answers, but the controller keeps it out)',
  paused: 'is paused (SIGSTOP)',
  dead: 'is gone',
};

export function diffSnapshots(before: Snapshot | null, after: Snapshot): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const at = after.time;
  const add = (kind: TimelineEvent['kind'], text: string) => events.push({ time: at, kind, text });
  if (before === null) {
    const alive = after.brokers.filter((broker) => broker.status === 'alive').map((broker) => broker.id);
    add('broker', `Watching ${after.brokers.length} broker(s); alive: ${alive.join(', ') || 'none'}`);
    return events;
  }

  // Brokers.
  const old = new Map(before.brokers.map((broker) => [broker.id, broker]));
  for (const broker of after.brokers) {
    const was = old.get(broker.id);
    if (!was) add('broker', `Broker ${broker.id} appears (${broker.host}:${broker.port}), ${broker.status}`);
    else if (was.status !== broker.status) add('broker', `Broker ${broker.id} ${BROKER_WORDS[broker.status]}${broker.status === 'dead' ? ` (${broker.detail})` : ''}`);
  }
  if (before.controller && after.controller && before.controller.status !== after.controller.status) {
    add('broker', `Controller ${after.controller.status === 'alive' ? 'is back' : after.controller.status === 'paused' ? 'is paused' : 'is gone'}`);
  }

  // Partitions: elections and ISR changes.
  const oldPartitions = new Map<string, PartitionView>(before.topics.flatMap((topic) => topic.partitions.map((partition) => [`${topic.name}-${partition.partition}`, partition] as const)));
  const oldTopics = new Set(before.topics.map((topic) => topic.name));
  for (const topic of after.topics) {
    if (!oldTopics.has(topic.name) && before.topics.length + before.brokers.length > 0) add('topic', `Topic ${topic.name} appears: ${topic.partitions.length} partition(s)`);
    for (const partition of topic.partitions) {
      const name = `${topic.name}-${partition.partition}`;
      const was = oldPartitions.get(name);
      if (!was) continue;
      const epoch = partition.leaderEpoch === null ? '' : `, leader epoch ${partition.leaderEpoch}`;
      if (was.leader !== partition.leader) {
        if (partition.leader < 0) add('election', `${name} has no leader (was ${was.leader})${epoch}`);
        else add('election', `${name}: leader ${was.leader < 0 ? 'none' : was.leader} → ${partition.leader}${epoch}`);
      } else if (was.leaderEpoch !== null && partition.leaderEpoch !== null && partition.leaderEpoch > was.leaderEpoch) {
        add('election', `${name}: broker ${partition.leader} leads again${epoch}`);
      }
      const lost = was.isr.filter((id) => !partition.isr.includes(id));
      const gained = partition.isr.filter((id) => !was.isr.includes(id));
      if (lost.length > 0) add('isr-shrink', `ISR of ${name} shrank: ${list(was.isr)} → ${list(partition.isr)}`);
      if (gained.length > 0) add('isr-expand', `ISR of ${name} grew: ${list(was.isr)} → ${list(partition.isr)}`);
    }
  }

  // Groups: rebalances (a new generation) and state changes.
  const oldGroups = new Map(before.groups.map((group) => [group.groupId, group]));
  for (const group of after.groups) {
    const was = oldGroups.get(group.groupId);
    if (!was) {
      add('group', `Group ${group.groupId} appears: ${group.state}, ${group.members.length} member(s)`);
      continue;
    }
    if (was.generationId !== null && group.generationId !== null && group.generationId !== was.generationId) {
      add('rebalance', `Group ${group.groupId} rebalanced: generation ${was.generationId} → ${group.generationId}, ${group.members.length} member(s), ${group.state}`);
    } else if (was.state !== group.state) {
      add(group.state === 'PreparingRebalance' || group.state === 'CompletingRebalance' ? 'rebalance' : 'group', `Group ${group.groupId}: ${was.state} → ${group.state} (${group.members.length} member(s))`);
    }
  }
  return events;
}

function list(ids: number[]): string {
  return ids.length === 0 ? '(empty)' : ids.join(',');
}
