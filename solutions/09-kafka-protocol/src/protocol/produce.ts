//> step 09 rewrites: the request is Kafka's Produce v3: each partition's records are record batch bytes
// Produce: record batches for partitions, acknowledged once the broker has them.
// One request carries batches for any number of partitions led by the receiving broker, and each
// partition gets its own result: one bad batch spoils no other.
//
// Kafka's Produce is api key 0. Version 3 is the first whose records are record batches v2
// (record-batch.ts), and the oldest Apache Kafka 4 still speaks. The records of a partition are
// bytes: the batch exactly as the producer encoded it, which the leader checks, stamps with its
// offsets and writes to disk as it came.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { array, int16, int32, int64, nullableBytes, nullableString, string, struct, type Infer } from './types.ts';

/** The records of one partition that travel together: one or more record batches, as bytes. */
export interface WireBatch {
  topic: string;
  partition: number;
  records: Buffer;
}

export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  /** Who must have the records before the answer: 0 nobody (no answer at all), 1 the leader, -1 every in-sync replica. */
  acks: number;
  /** How long an acks=-1 request may wait for the in-sync replicas before REQUEST_TIMED_OUT; Kafka's produce timeout_ms. */
  timeoutMs: number;
  batches: WireBatch[];
}

/** One result per partition, in the request's order: where its records start, or why they failed. */
export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  error?: ErrorBody;
}

export interface ProduceResponse {
  results: ProduceResult[];
}

// #region schema-v3
const requestV3 = struct({
  transactionalId: nullableString,
  acks: int16,
  timeoutMs: int32,
  topics: array(struct({ name: string, partitions: array(struct({ index: int32, records: nullableBytes })) })),
});

const responseV3 = struct({
  topics: array(struct({ name: string, partitions: array(struct({ index: int32, errorCode: int16, baseOffset: int64, logAppendTimeMs: int64 })) })),
  throttleTimeMs: int32,
});
// #endregion schema-v3

export const produceApi: ApiCodec<Omit<ProduceRequest, 'correlationId'>, ProduceResponse, Infer<typeof requestV3>, Infer<typeof responseV3>> = {
  key: 0,
  kafkaName: 'Produce',
  minVersion: 3,
  maxVersion: 3,
  // Advertised from 0 and refused below 3, as Kafka 4 does, or kcat would not compress (api.ts).
  advertisedMinVersion: 0,
  requestSchema: () => requestV3,
  responseSchema: () => responseV3,
  requestFromWire(wire) {
    if (![0, 1, -1].includes(wire.acks)) throw new InvalidRequestError(`acks is ${wire.acks}: it must be 0, 1 or -1`);
    if (wire.transactionalId !== null) throw new InvalidRequestError('transactions are not supported by this broker: send transactional_id null');
    return {
      type: 'produce',
      acks: wire.acks,
      timeoutMs: wire.timeoutMs,
      // A partition with null records has nothing to write: it is sent as an empty record set.
      batches: flatten(wire.topics, (topic, { index, records }) => ({ topic, partition: index, records: records ?? Buffer.alloc(0) })),
    };
  },
  requestToWire: ({ acks, timeoutMs, batches }) => ({
    transactionalId: null,
    acks,
    timeoutMs,
    topics: byTopic(batches, ({ partition, records }) => ({ index: partition, records })),
  }),
  responseToWire(response, request) {
    const results: ProduceResult[] = 'error' in response ? request.batches.map(({ topic, partition }) => ({ topic, partition, baseOffset: -1, error: response.error })) : response.results;
    return {
      topics: byTopic(results, ({ partition, baseOffset, error }) => ({ index: partition, errorCode: errorCode(error), baseOffset, logAppendTimeMs: -1 })),
      throttleTimeMs: 0,
    };
  },
  responseFromWire: (wire) => ({
    results: flatten(wire.topics, (topic, { index, errorCode: code, baseOffset }) => {
      const error = errorFromCode(code);
      return error ? { topic, partition: index, baseOffset, error } : { topic, partition: index, baseOffset };
    }),
  }),
};
//<
