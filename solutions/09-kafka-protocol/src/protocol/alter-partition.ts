// AlterPartition: a leader asks the controller to change its partition's ISR (KRaft's
// AlterPartition, once AlterIsr). The leader does not change the ISR on its own authority: the
// controller must always know whom it may elect. A request from a leader of an older epoch, or
// based on an older version of the partition, is refused: it comes from a leader that has been
// replaced, or that missed a change.
import type { Fields } from './fields.ts';

export interface AlterPartitionRequest {
  type: 'alterPartition';
  correlationId: number;
  brokerId: number;
  topic: string;
  partition: number;
  leaderEpoch: number;
  /** The version of the partition's state the leader saw (grows with every change). */
  partitionEpoch: number;
  newIsr: number[];
}

export interface AlterPartitionResponse {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

export function parseAlterPartition(request: Fields): Omit<AlterPartitionRequest, 'type' | 'correlationId'> {
  return {
    brokerId: request.int('brokerId'),
    topic: request.string('topic'),
    partition: request.int('partition'),
    leaderEpoch: request.int('leaderEpoch'),
    partitionEpoch: request.int('partitionEpoch'),
    newIsr: request.ints('newIsr'),
  };
}
