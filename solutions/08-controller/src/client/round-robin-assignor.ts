// The round-robin assignor (Kafka's RoundRobinAssignor).
//
// It lays every partition of every subscribed topic out in one list (by topic, then partition)
// and deals them to the members in turn, like cards. When every member subscribes to the same
// topics, each ends up with the same number of partitions, give or take one, however they are
// spread over topics. A member is skipped for a partition of a topic it does not subscribe to,
// which can leave members with different subscriptions unevenly loaded.
import { emptyAssignment, sortedMembers, type Assignment, type PartitionAssignor, type Subscriptions } from './partition-assignor.ts';

export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  assign(partitionsPerTopic: Map<string, number>, subscriptions: Subscriptions): Assignment {
    const assignment = emptyAssignment(subscriptions);
    const members = sortedMembers(subscriptions);
    const topics = [...partitionsPerTopic.keys()].sort();
    let turn = 0;
    for (const topic of topics) {
      const subscribed = members.filter((memberId) => subscriptions.get(memberId)!.includes(topic));
      if (subscribed.length === 0) continue;
      for (let partition = 0; partition < partitionsPerTopic.get(topic)!; partition++) {
        // The turn goes round all members; skip ahead to the next one that reads this topic.
        while (!subscribed.includes(members[turn % members.length]!)) turn++;
        assignment.get(members[turn % members.length]!)!.push({ topic, partition });
        turn++;
      }
    }
    return assignment;
  },
};
