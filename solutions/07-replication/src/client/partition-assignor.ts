// How a consumer group splits partitions among its members.
//
// The broker never decides who reads what. When a group rebalances, the coordinator picks one
// member as the group LEADER and hands it every member's subscription; the leader runs an
// assignor and sends the result back in its syncGroup request, and the coordinator passes each
// member its share without looking inside. Assignment logic therefore lives in the client, where
// it can change without touching a broker (Kafka's `partition.assignment.strategy`).
//
// Every assignor keeps the one rule consumer groups exist for: each partition of a subscribed
// topic goes to exactly one member, and only to a member subscribed to its topic.
import type { TopicPartition } from '../common/topic-partition.ts';

/** What each member asked to read: member id → topics. */
export type Subscriptions = Map<string, string[]>;

/** What each member reads from now on: member id → partitions. */
export type Assignment = Map<string, TopicPartition[]>;

export interface PartitionAssignor {
  /** The protocol name members announce when they join ("range", "roundrobin"). */
  readonly name: string;
  /** Splits the partitions of every subscribed topic (topic → partition count) among the members. */
  assign(partitionsPerTopic: Map<string, number>, subscriptions: Subscriptions): Assignment;
}

/** Member ids in a fixed order, so every leader computes the same plan from the same input. */
export function sortedMembers(subscriptions: Subscriptions): string[] {
  return [...subscriptions.keys()].sort();
}

/** An empty list for every member: a member that gets nothing must still hear so. */
export function emptyAssignment(subscriptions: Subscriptions): Assignment {
  return new Map(sortedMembers(subscriptions).map((memberId) => [memberId, []]));
}
