// LeaderAndIsr: one broker tells another which broker leads each partition of a topic, which
// brokers hold copies (the replicas) and which of those are in sync (the ISR).
//
// In Kafka the controller sends it (step 08). Until there is one, the broker that creates a topic
// sends the layout to every other broker, and a leader sends it again whenever its ISR changes,
// so that any broker's metadata shows the ISR as it is. A broker that finds itself among a
// partition's replicas makes its log and starts copying the leader.
import type { Fields } from './fields.ts';

export interface PartitionLayout {
  partition: number;
  leader: number;
  /** The leader's epoch: one more at every election (step 08). A layout without one is epoch 0. */
  leaderEpoch?: number;
  replicas: number[];
  isr: number[];
}

export interface TopicLayout {
  name: string;
  /** The topic's own settings by Kafka's names (`min.insync.replicas`). */
  configs: Record<string, string>;
  partitions: PartitionLayout[];
}

export interface LeaderAndIsrRequest {
  type: 'leaderAndIsr';
  correlationId: number;
  /** The broker that sends it. */
  senderId: number;
  topics: TopicLayout[];
}

export type LeaderAndIsrResponse = Record<string, never>;

export function parseLeaderAndIsr(request: Fields): Omit<LeaderAndIsrRequest, 'type' | 'correlationId'> {
  return {
    senderId: request.int('senderId'),
    topics: request.list('topics', (topic) => ({
      name: topic.string('name'),
      configs: topic.stringMap('configs'),
      partitions: topic.list('partitions', (partition) => ({
        partition: partition.int('partition'),
        leader: partition.int('leader'),
        ...(partition.has('leaderEpoch') ? { leaderEpoch: partition.int('leaderEpoch') } : {}),
        replicas: partition.ints('replicas'),
        isr: partition.ints('isr'),
      })),
    })),
  };
}
