// OffsetCommit: stores the group's positions. Refused from a member of an older generation.
//> step 09 given
//
// Kafka's OffsetCommit is api key 8; this broker speaks version 2. Version 1 added the group
// generation and member id (a commit from a member of an old generation is refused), version 2
// replaced version 1's commit timestamp with retention_time_ms: -1 for the broker's own
// retention, which is what this broker always applies. Version 3 adds throttle_time_ms.
//
// The response has an error code per partition and none for the whole request. Here a commit
// succeeds or fails as a whole (the coordinator refuses a member, not a partition), so every
// partition gets the same code, and a client reads the first error it finds as the answer.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, int16, int32, int64, nullableString, string, struct, type Infer } from './types.ts';
//<

export interface CommittedPartition {
  topic: string;
  partition: number;
  /** The offset of the next record the group should read: one past the last one processed. */
  offset: number;
  metadata?: string;
}

export interface OffsetCommitRequest {
  type: 'offsetCommit';
  correlationId: number;
  groupId: string;
  /** -1 (with memberId "") for a consumer that commits without being a member. */
  generationId: number;
  memberId: string;
  offsets: CommittedPartition[];
}

/** No fields: an answer without an error means every offset is stored. */
export type OffsetCommitResponse = Record<never, never>;

//> step 09 rewrites: the request is Kafka's OffsetCommit v2 on the wire
/** Kafka's retention_time_ms for "the broker's own retention". */
const BROKER_RETENTION = -1;

const requestV2 = struct({
  groupId: string,
  generationId: int32,
  memberId: string,
  retentionTimeMs: int64,
  topics: array(struct({ name: string, partitions: array(struct({ partitionIndex: int32, committedOffset: int64, committedMetadata: nullableString })) })),
});

const responseV2 = struct({
  topics: array(struct({ name: string, partitions: array(struct({ partitionIndex: int32, errorCode: int16 })) })),
});

export const offsetCommitApi: ApiCodec<Omit<OffsetCommitRequest, 'correlationId'>, OffsetCommitResponse, Infer<typeof requestV2>, Infer<typeof responseV2>> = {
  key: 8,
  kafkaName: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 2,
  requestSchema: () => requestV2,
  responseSchema: () => responseV2,
  requestFromWire: (wire) => ({
    type: 'offsetCommit',
    groupId: nonEmpty(wire.groupId, 'group_id'),
    generationId: atLeast(-1, wire.generationId, 'generation_id'),
    memberId: wire.memberId,
    offsets: flatten(wire.topics, (topic, { partitionIndex, committedOffset, committedMetadata }) => {
      const committed = {
        topic: nonEmpty(topic, 'a topic name'),
        partition: atLeast(0, partitionIndex, `a partition index of topic "${topic}"`),
        // An offset is a position in the log, where a consumer will start reading.
        offset: atLeast(0, committedOffset, `the committed offset of ${topic}-${partitionIndex}`),
      };
      return committedMetadata === null ? committed : { ...committed, metadata: committedMetadata };
    }),
  }),
  requestToWire: ({ groupId, generationId, memberId, offsets }) => ({
    groupId,
    generationId,
    memberId,
    retentionTimeMs: BROKER_RETENTION,
    topics: byTopic(offsets, ({ partition, offset, metadata }) => ({ partitionIndex: partition, committedOffset: offset, committedMetadata: metadata ?? null })),
  }),
  responseToWire(response, request) {
    const code = errorCode('error' in response ? response.error : undefined);
    return { topics: byTopic(request.offsets, ({ partition }) => ({ partitionIndex: partition, errorCode: code })) };
  },
  responseFromWire(wire) {
    const code = wire.topics.flatMap(({ partitions }) => partitions).find((partition) => partition.errorCode !== 0)?.errorCode ?? 0;
    const error = errorFromCode(code);
    return error ? { error } : {};
  },
};
  //<
