// OffsetFetch: the group's committed offsets for these partitions; -1 where it has none.
//> step 09 rewrites: the request is Kafka's OffsetFetch v1 on the wire
//
// Kafka's OffsetFetch is api key 9; this broker speaks version 1, the first that reads offsets
// from the __consumer_offsets topic (version 0 read ZooKeeper). Version 2 adds an error code for
// the whole request and a null topic list for "every partition", version 3 throttle_time_ms.
//
// In version 1 each partition has its own error code, and a refusal of the whole request
// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) is written into every partition. A client reads
// the first error it finds as the answer: the code's OffsetFetchResponse has no error per partition.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, int16, int32, int64, nullableString, string, struct, type Infer } from './types.ts';

export interface OffsetFetchRequest {
  type: 'offsetFetch';
  correlationId: number;
  groupId: string;
  partitions: Array<{ topic: string; partition: number }>;
}

export interface OffsetFetchResponse {
  partitions: Array<{ topic: string; partition: number; offset: number; metadata: string }>;
}

const requestV1 = struct({ groupId: string, topics: array(struct({ name: string, partitions: array(int32) })) });

const responseV1 = struct({
  topics: array(struct({ name: string, partitions: array(struct({ partitionIndex: int32, committedOffset: int64, metadata: nullableString, errorCode: int16 })) })),
});

export const offsetFetchApi: ApiCodec<Omit<OffsetFetchRequest, 'correlationId'>, OffsetFetchResponse, Infer<typeof requestV1>, Infer<typeof responseV1>> = {
  key: 9,
  kafkaName: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 1,
  requestSchema: () => requestV1,
  responseSchema: () => responseV1,
  requestFromWire: (wire) => ({
    type: 'offsetFetch',
    groupId: nonEmpty(wire.groupId, 'group_id'),
    partitions: flatten(wire.topics, (topic, partition) => ({
      topic: nonEmpty(topic, 'a topic name'),
      partition: atLeast(0, partition, `a partition index of topic "${topic}"`),
    })),
  }),
  requestToWire: ({ groupId, partitions }) => ({ groupId, topics: byTopic(partitions, ({ partition }) => partition) }),
  responseToWire(response, request) {
    // Refused: every partition asked about carries the error, with no offset (-1) and no metadata.
    const partitions = 'error' in response ? request.partitions.map(({ topic, partition }) => ({ topic, partition, offset: -1, metadata: '' })) : response.partitions;
    const code = errorCode('error' in response ? response.error : undefined);
    return { topics: byTopic(partitions, ({ partition, offset, metadata }) => ({ partitionIndex: partition, committedOffset: offset, metadata, errorCode: code })) };
  },
  responseFromWire(wire) {
    const code = wire.topics.flatMap(({ partitions }) => partitions).find((partition) => partition.errorCode !== 0)?.errorCode ?? 0;
    const error = errorFromCode(code);
    if (error) return { error };
    // Kafka sends "" for an offset committed without metadata; a null means the same.
    return { partitions: flatten(wire.topics, (topic, { partitionIndex, committedOffset, metadata }) => ({ topic, partition: partitionIndex, offset: committedOffset, metadata: metadata ?? '' })) };
  },
};
//<
