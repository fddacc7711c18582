// DescribeReplicas: the workshop's own request. For every partition this broker holds a replica
// of, whether it leads it, its log end offset and its high watermark. Kafka's clients have no
// request like it (DescribeLogDirs and the controller's DescribeQuorum come closest); the
// dashboard (npm run dashboard) asks every broker, to draw each replica's log end offset against
// the high watermark.
import type { Fields } from './fields.ts';

export interface DescribeReplicasRequest {
  type: 'describeReplicas';
  correlationId: number;
}

export interface ReplicaState {
  topic: string;
  partition: number;
  /** Whether this broker leads the partition (as far as it knows). */
  leader: boolean;
  /** The offset its next record will get: one past the last it holds. */
  logEndOffset: number;
  /** Consumers read up to here; on a follower, the leader's as last heard. */
  highWatermark: number;
}

export interface DescribeReplicasResponse {
  brokerId: number;
  replicas: ReplicaState[];
}

export function parseDescribeReplicas(_request: Fields): Omit<DescribeReplicasRequest, 'type' | 'correlationId'> {
  return {};
}
