// The range assignor (Kafka's RangeAssignor, the first in its default strategy list).
//
// It works topic by topic: the topic's partitions are cut into contiguous ranges, one per
// subscribed member in member-id order, and the first members get one extra partition when the
// count does not divide evenly. 2 members and 5 partitions: [0, 1, 2] and [3, 4].
//
// Because every topic is cut the same way, partition 0 of every topic goes to the same member.
// That is what you want when two topics are keyed alike and must be joined, and it is why range
// can be unbalanced: 2 members and 3 topics of 1 partition each give one member all three.
import { emptyAssignment, sortedMembers, type Assignment, type PartitionAssignor, type Subscriptions } from './partition-assignor.ts';

export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  assign(partitionsPerTopic: Map<string, number>, subscriptions: Subscriptions): Assignment {
    const assignment = emptyAssignment(subscriptions);
    for (const topic of [...partitionsPerTopic.keys()].sort()) {
      const partitions = partitionsPerTopic.get(topic)!;
      const members = sortedMembers(subscriptions).filter((memberId) => subscriptions.get(memberId)!.includes(topic));
      if (members.length === 0) continue;
      const perMember = Math.floor(partitions / members.length);
      const withExtra = partitions % members.length;
      let next = 0;
      members.forEach((memberId, i) => {
        const count = perMember + (i < withExtra ? 1 : 0);
        for (let partition = next; partition < next + count; partition++) assignment.get(memberId)!.push({ topic, partition });
        next += count;
      });
    }
    return assignment;
  },
};
