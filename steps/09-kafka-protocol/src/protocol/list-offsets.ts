// ListOffsets: where each partition starts or ends, or where a time begins in it.
//
// Kafka's ListOffsets is api key 2; this broker speaks version 1, the first that answers one
// offset per partition (version 0 answered a list of them) along with its timestamp: what
// kcat -o s@<ms>, the Java consumer's offsetsForTimes and KafkaJS's
// fetchTopicOffsetsByTimestamp send. Version 2 adds isolation_level, 4 the leader epoch, 7 the
// MAX_TIMESTAMP sentinel (-3). The request's replica_id is -1 from a consumer; this broker does
// not need it.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import { atLeast } from './checks.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { array, int16, int32, int64, string, struct, type Infer } from './types.ts';

/** Kafka's ListOffsets sentinels: the first offset still kept, or the next offset to be written. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/**
 * Kafka's ListOffsets: for each partition, a time in ms (the first record at or after it, found
 * with the log's time index) or a sentinel, -2 for the earliest offset, -1 for the latest.
 */
export interface ListOffsetsRequest {
  type: 'listOffsets';
  correlationId: number;
  partitions: Array<{ topic: string; partition: number; timestamp: number }>;
}

/** The offset found, and the timestamp of its record: -1 for a sentinel. Offset -1: no record is that late. */
export interface ListOffsetsResponse {
  partitions: Array<{ topic: string; partition: number; offset: number; timestamp: number; error?: ErrorBody }>;
}

const requestV1 = struct({
  replicaId: int32,
  topics: array(struct({ name: string, partitions: array(struct({ partitionIndex: int32, timestamp: int64 })) })),
});

const responseV1 = struct({
  topics: array(struct({ name: string, partitions: array(struct({ partitionIndex: int32, errorCode: int16, timestamp: int64, offset: int64 })) })),
});

export const listOffsetsApi: ApiCodec<Omit<ListOffsetsRequest, 'correlationId'>, ListOffsetsResponse, Infer<typeof requestV1>, Infer<typeof responseV1>> = {
  key: 2,
  kafkaName: 'ListOffsets',
  minVersion: 1,
  maxVersion: 1,
  requestSchema: () => requestV1,
  responseSchema: () => responseV1,
  requestFromWire: (wire) => ({
    type: 'listOffsets',
    partitions: flatten(wire.topics, (topic, { partitionIndex, timestamp }) => {
      // Version 1 knows two sentinels; a time is ms since the epoch.
      if (timestamp < 0 && timestamp !== EARLIEST_TIMESTAMP && timestamp !== LATEST_TIMESTAMP) {
        throw new InvalidRequestError(`the timestamp of ${topic}-${partitionIndex} is ${timestamp}: it must be a time in ms since the epoch, or -2 (earliest) or -1 (latest) in ListOffsets v1`);
      }
      return { topic, partition: atLeast(0, partitionIndex, `a partition index of topic "${topic}"`), timestamp };
    }),
  }),
  requestToWire: ({ partitions }) => ({
    replicaId: -1,
    topics: byTopic(partitions, ({ partition, timestamp }) => ({ partitionIndex: partition, timestamp })),
  }),
  responseToWire(response, request) {
    const partitions = 'error' in response ? request.partitions.map(({ topic, partition }) => ({ topic, partition, offset: -1, timestamp: -1, error: response.error })) : response.partitions;
    return {
      topics: byTopic(partitions, ({ partition, offset, timestamp, error }) => ({ partitionIndex: partition, errorCode: errorCode(error), timestamp, offset })),
    };
  },
  responseFromWire: (wire) => ({
    partitions: flatten(wire.topics, (topic, { partitionIndex, errorCode: code, offset, timestamp }) => {
      const error = errorFromCode(code);
      return error ? { topic, partition: partitionIndex, offset, timestamp, error } : { topic, partition: partitionIndex, offset, timestamp };
    }),
  }),
};
