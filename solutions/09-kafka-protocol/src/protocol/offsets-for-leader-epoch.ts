// OffsetsForLeaderEpoch (KIP-101): a follower asks the leader where a leader epoch ends in the
// leader's log, to find how much of its own log the leader never had.
//
// A follower that comes back after a leader change sends the latest epoch in its own log; the
// leader answers with the largest epoch it knows at or below that one, and the offset where that
// epoch ends in its log (the start of the next epoch, or its log end offset if it is the latest).
// The follower cuts its log there before fetching again (replica-fetcher.ts).
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

export interface OffsetsForLeaderEpochPartition {
  topic: string;
  partition: number;
  /** The epoch whose end offset the asker wants: a follower sends the latest epoch in its own log. */
  leaderEpoch: number;
  /**
   * The epoch the asker believes the leader has (as in a fetch): a leader of another epoch refuses
   * with FENCED_LEADER_EPOCH (the asker is behind) or UNKNOWN_LEADER_EPOCH (the leader is).
   */
  currentLeaderEpoch?: number;
}

export interface OffsetsForLeaderEpochRequest {
  type: 'offsetsForLeaderEpoch';
  correlationId: number;
  /** The follower's broker id (Kafka's replica_id); -1 for a client that is not a broker. */
  replicaId: number;
  partitions: OffsetsForLeaderEpochPartition[];
}

export interface EpochEndOffsetResult {
  topic: string;
  partition: number;
  /** The largest epoch the leader knows at or below the one asked about; -1 when it knows none. */
  leaderEpoch: number;
  /** Where that epoch ends in the leader's log; -1 when the leader cannot say. */
  endOffset: number;
  error?: ErrorBody;
}

export interface OffsetsForLeaderEpochResponse {
  partitions: EpochEndOffsetResult[];
}

export function parseOffsetsForLeaderEpoch(request: Fields): Omit<OffsetsForLeaderEpochRequest, 'type' | 'correlationId'> {
  return {
    replicaId: request.int('replicaId', { min: -1, fallback: -1 }),
    partitions: request.list('partitions', (entry) => {
      // -1 (no epoch) is a question the leader can answer: with -1, "I cannot say".
      const partition = { topic: entry.string('topic'), partition: entry.int('partition'), leaderEpoch: entry.int('leaderEpoch', { min: -1 }) };
      return entry.has('currentLeaderEpoch') ? { ...partition, currentLeaderEpoch: entry.int('currentLeaderEpoch') } : partition;
    }),
  };
}
