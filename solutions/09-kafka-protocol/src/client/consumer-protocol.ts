//> step 09 rewrites: subscriptions and assignments are Kafka's ConsumerProtocol bytes
// What consumers put inside the group protocol's opaque bytes: Kafka's consumer protocol.
//
// The coordinator handles every kind of group alike (Kafka Connect workers and Kafka Streams
// use the same join and sync requests), so the member metadata in a JoinGroup and the
// assignment in a SyncGroup are plain bytes to it. Only consumers read them: a Subscription
// says which topics a member wants, an Assignment which partitions it got. Both are Kafka's
// ConsumerProtocol version 0, written with the same types as the requests (protocol/types.ts),
// so a member of this workshop's consumer and one of another Kafka client can share a group:
//
//   Subscription  version int16, topics [string], user_data nullable bytes
//   Assignment    version int16, assigned_partitions [topic string, partitions [int32]], user_data nullable bytes
//
// Later versions only add fields at the end (owned partitions, rack, generation), so a reader
// of version 0 reads what it knows and leaves the rest: that is how old and new members mix.
import type { TopicPartition } from '../common/topic-partition.ts';
import { array, encode, int16, int32, nullableBytes, Reader, string, struct } from '../protocol/types.ts';

/** The protocol type consumer groups announce; a group never mixes two types. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface Subscription {
  topics: string[];
}

export interface MemberAssignment {
  partitions: TopicPartition[];
}

// #region schemas
const subscriptionV0 = struct({ version: int16, topics: array(string), userData: nullableBytes });
const assignmentV0 = struct({ version: int16, assignedPartitions: array(struct({ topic: string, partitions: array(int32) })), userData: nullableBytes });

export function encodeSubscription({ topics }: Subscription): Buffer {
  return encode(subscriptionV0, { version: 0, topics, userData: null });
}
// #endregion schemas

export function decodeSubscription(bytes: Buffer): Subscription {
  return { topics: subscriptionV0.read(new Reader(bytes), 'a member\'s subscription').topics };
}

export function encodeAssignment({ partitions }: MemberAssignment): Buffer {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of partitions) topics.set(topic, [...(topics.get(topic) ?? []), partition]);
  return encode(assignmentV0, { version: 0, assignedPartitions: [...topics].map(([topic, list]) => ({ topic, partitions: list })), userData: null });
}

/** Empty bytes are what a member gets when the leader gave it nothing. */
export function decodeAssignment(bytes: Buffer): MemberAssignment {
  if (bytes.length === 0) return { partitions: [] };
  const { assignedPartitions } = assignmentV0.read(new Reader(bytes), 'a member\'s assignment');
  return { partitions: assignedPartitions.flatMap(({ topic, partitions }) => partitions.map((partition) => ({ topic, partition }))) };
//<
}
