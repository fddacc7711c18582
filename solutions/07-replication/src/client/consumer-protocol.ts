// What consumers put inside the group protocol's opaque bytes.
//
// The coordinator handles every kind of group alike (Kafka Connect workers and Kafka Streams
// use the same join and sync requests), so the member metadata in a joinGroup and the
// assignment in a syncGroup are plain bytes to it. Only consumers read them: a Subscription
// says which topics a member wants, an Assignment which partitions it got. Kafka encodes both
// with a small binary schema; here they are JSON, and base64 carries the bytes inside our JSON
// requests like any other bytes.
import type { TopicPartition } from '../common/topic-partition.ts';

/** The protocol type consumer groups announce; a group never mixes two types. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface Subscription {
  topics: string[];
}

export interface MemberAssignment {
  partitions: TopicPartition[];
}

export function encodeSubscription(subscription: Subscription): string {
  return Buffer.from(JSON.stringify(subscription)).toString('base64');
}

export function decodeSubscription(bytes: string): Subscription {
  return JSON.parse(Buffer.from(bytes, 'base64').toString('utf8')) as Subscription;
}

export function encodeAssignment(assignment: MemberAssignment): string {
  return Buffer.from(JSON.stringify(assignment)).toString('base64');
}

/** An empty string is what a member gets when the leader gave it nothing. */
export function decodeAssignment(bytes: string): MemberAssignment {
  if (bytes === '') return { partitions: [] };
  return JSON.parse(Buffer.from(bytes, 'base64').toString('utf8')) as MemberAssignment;
}
