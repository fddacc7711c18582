// OffsetsForLeaderEpoch (KIP-101): a follower asks the leader where a leader epoch ends in the
// leader's log, to find how much of its own log the leader never had.
//
// A follower that comes back after a leader change sends the latest epoch in its own log; the
// leader answers with the largest epoch it knows at or below that one, and the offset where that
// epoch ends in its log (the start of the next epoch, or its log end offset if it is the latest).
// The follower cuts its log there before fetching again (replica-fetcher.ts).
//> step 09 rewrites: the request is Kafka's OffsetForLeaderEpoch v3 on the wire
//
// Kafka's OffsetForLeaderEpoch is api key 23; this broker speaks version 3. Version 1 added the
// epoch to the answer, version 2 current_leader_epoch (fencing, as in a fetch; -1 for "not
// given") and throttle_time_ms, version 3 the asker's replica_id.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import { atLeast } from './checks.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, int16, int32, int64, string, struct, type Infer } from './types.ts';

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

/** current_leader_epoch's "not given": the leader answers without checking its epoch. */
const NO_EPOCH = -1;

const requestV3 = struct({
  replicaId: int32,
  topics: array(struct({ name: string, partitions: array(struct({ partition: int32, currentLeaderEpoch: int32, leaderEpoch: int32 })) })),
});

const responseV3 = struct({
  throttleTimeMs: int32,
  topics: array(struct({ name: string, partitions: array(struct({ errorCode: int16, partition: int32, leaderEpoch: int32, endOffset: int64 })) })),
});

export const offsetsForLeaderEpochApi: ApiCodec<Omit<OffsetsForLeaderEpochRequest, 'correlationId'>, OffsetsForLeaderEpochResponse, Infer<typeof requestV3>, Infer<typeof responseV3>> = {
  key: 23,
  kafkaName: 'OffsetForLeaderEpoch',
  minVersion: 3,
  maxVersion: 3,
  requestSchema: () => requestV3,
  responseSchema: () => responseV3,
  requestFromWire: (wire) => ({
    type: 'offsetsForLeaderEpoch',
    replicaId: atLeast(-1, wire.replicaId, 'replica_id'),
    partitions: flatten(wire.topics, (topic, { partition, currentLeaderEpoch, leaderEpoch }) => {
      const asked = {
        topic,
        partition: atLeast(0, partition, `a partition index of topic "${topic}"`),
        // -1 (no epoch) is a question the leader can answer: with -1, "I cannot say".
        leaderEpoch: atLeast(-1, leaderEpoch, `leader_epoch of ${topic}-${partition}`),
      };
      if (currentLeaderEpoch === NO_EPOCH) return asked;
      return { ...asked, currentLeaderEpoch: atLeast(0, currentLeaderEpoch, `current_leader_epoch of ${topic}-${partition}`) };
    }),
  }),
  requestToWire: ({ replicaId, partitions }) => ({
    replicaId,
    topics: byTopic(partitions, ({ partition, currentLeaderEpoch = NO_EPOCH, leaderEpoch }) => ({ partition, currentLeaderEpoch, leaderEpoch })),
  }),
  responseToWire(response, request) {
    const partitions = 'error' in response ? request.partitions.map(({ topic, partition }) => ({ topic, partition, leaderEpoch: -1, endOffset: -1, error: response.error })) : response.partitions;
    return {
      throttleTimeMs: 0,
      topics: byTopic(partitions, ({ partition, leaderEpoch, endOffset, error }) => ({ errorCode: errorCode(error), partition, leaderEpoch, endOffset })),
    };
  },
  responseFromWire: (wire) => ({
    partitions: flatten(wire.topics, (topic, { errorCode: code, partition, leaderEpoch, endOffset }) => {
      const error = errorFromCode(code);
      const result = { topic, partition, leaderEpoch, endOffset };
      return error ? { ...result, error } : result;
    }),
  }),
};
//<
