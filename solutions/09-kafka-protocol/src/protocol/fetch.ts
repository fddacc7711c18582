// Fetch: records from several partitions, each from an offset on, in one request. The broker
// answers once it has `minBytes` for the whole request, or `maxWaitMs` has passed: long polling.
//> step 09 rewrites: the request is Kafka's Fetch v4: each partition's records are the stored bytes
//
// Kafka's Fetch is api key 1; this broker speaks version 4, the first whose clients must read
// record batches v2 (record-batch.ts), the only format this broker stores. A partition's records
// travel as bytes: whole batches exactly as the log stores them, which a consumer decodes and a
// follower appends as they are, offsets and all. Version 4 also added isolation_level and the
// fields of transactions (last_stable_offset, aborted_transactions): this broker has no
// transactions, so both isolation levels read the same, the last stable offset is the high
// watermark and nothing is aborted.
//
// Later versions add what this one cannot carry: log_start_offset (v5), fetch sessions (v7), and
// current_leader_epoch (v9, KIP-320's fencing). A follower's currentLeaderEpoch therefore stays
// on its side of the wire in version 4, and a response's logStartOffset comes back as -1.
import { byTopic, flatten, type ApiCodec } from './api.ts';
import { atLeast } from './checks.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { array, int16, int32, int64, int8, nullableArray, nullableBytes, string, struct, type Infer } from './types.ts';

/** One partition a fetch reads, from `offset` on, up to about `maxBytes`. */
export interface FetchPartition {
  topic: string;
  partition: number;
  offset: number;
  maxBytes?: number;
  /**
   * The leader epoch the fetcher believes the leader has (Kafka's current_leader_epoch, KIP-320).
   * A leader of another epoch refuses the partition with FENCED_LEADER_EPOCH (the fetcher is
   * behind) or UNKNOWN_LEADER_EPOCH (the leader is). Fetch v4 cannot carry it: it arrived in v9.
   */
  currentLeaderEpoch?: number;
  /**
   * A follower's: the epoch of the last batch in its log (Kafka's last_fetched_epoch, Fetch v12).
   * The leader checks that its own log has that epoch up to `offset`; when it does not, the two
   * logs have parted, and it answers with `divergingEpoch` instead of records.
   */
  lastFetchedEpoch?: number;
}

export interface FetchRequest {
  type: 'fetch';
  correlationId: number;
  /** Who fetches: a follower copying its leader gives its broker id (Kafka's replica_id); a consumer, -1 or nothing. */
  replicaId?: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartition[];
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  /** The offset after the last record every in-sync replica has: consumers read up to here, never beyond. */
  highWatermark: number;
  /** The first offset the log still keeps; -1 when read from a Fetch v4 response, which does not carry it. */
  logStartOffset: number;
  /** The record batches read, as the log stores them; empty (never null) when there are none. */
  records: Buffer;
  /**
   * To a follower whose log parts from the leader's: the largest epoch the leader has at or below
   * the follower's `lastFetchedEpoch`, and where it ends in the leader's log. The follower cuts its
   * log there (or further back) and fetches again. Sent with no records.
   */
  // Fetch v4 has no room for it, nor for lastFetchedEpoch (both came with v12, Kafka 2.7): in this
  // step a leader never sets it, and a follower asks OffsetsForLeaderEpoch instead.
  divergingEpoch?: { epoch: number; endOffset: number };
  error?: ErrorBody;
}

export interface FetchResponse {
  partitions: FetchedPartition[];
}

const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;

const requestV4 = struct({
  replicaId: int32,
  maxWaitMs: int32,
  minBytes: int32,
  maxBytes: int32,
  isolationLevel: int8,
  topics: array(struct({ name: string, partitions: array(struct({ partition: int32, fetchOffset: int64, partitionMaxBytes: int32 })) })),
});

const responseV4 = struct({
  throttleTimeMs: int32,
  responses: array(
    struct({
      name: string,
      partitions: array(
        struct({
          partitionIndex: int32,
          errorCode: int16,
          highWatermark: int64,
          lastStableOffset: int64,
          abortedTransactions: nullableArray(struct({ producerId: int64, firstOffset: int64 })),
          records: nullableBytes,
        }),
      ),
    }),
  ),
});

export const fetchApi: ApiCodec<Omit<FetchRequest, 'correlationId'>, FetchResponse, Infer<typeof requestV4>, Infer<typeof responseV4>> = {
  key: 1,
  kafkaName: 'Fetch',
  minVersion: 4,
  maxVersion: 4,
  requestSchema: () => requestV4,
  responseSchema: () => responseV4,
  requestFromWire(wire) {
    if (wire.isolationLevel !== READ_UNCOMMITTED && wire.isolationLevel !== READ_COMMITTED) {
      throw new InvalidRequestError(`isolation_level is ${wire.isolationLevel}: it must be 0 (read uncommitted) or 1 (read committed)`);
    }
    // The timeouts and sizes become Node timers and buffer limits: below zero they mean nothing.
    return {
      type: 'fetch',
      replicaId: atLeast(-1, wire.replicaId, 'replica_id'),
      maxWaitMs: atLeast(0, wire.maxWaitMs, 'max_wait_ms'),
      minBytes: atLeast(0, wire.minBytes, 'min_bytes'),
      maxBytes: atLeast(0, wire.maxBytes, 'max_bytes'),
      // Any offset reads: one outside the log is the broker's to answer (OFFSET_OUT_OF_RANGE).
      partitions: flatten(wire.topics, (topic, { partition, fetchOffset, partitionMaxBytes }) => ({
        topic,
        partition: atLeast(0, partition, `a partition index of topic "${topic}"`),
        offset: fetchOffset,
        maxBytes: atLeast(0, partitionMaxBytes, `partition_max_bytes of ${topic}-${partition}`),
      })),
    };
  },
  requestToWire: ({ replicaId = -1, maxWaitMs, minBytes, maxBytes, partitions }) => ({
    replicaId,
    maxWaitMs,
    minBytes,
    maxBytes,
    isolationLevel: READ_UNCOMMITTED,
    // A partition without a limit of its own may take the whole request's.
    topics: byTopic(partitions, ({ partition, offset, maxBytes: partitionMaxBytes }) => ({ partition, fetchOffset: offset, partitionMaxBytes: partitionMaxBytes ?? maxBytes })),
  }),
  responseToWire(response, request) {
//<
    //> step 09 task 5: Fetch's response — stored bytes per partition, never null, errors as codes
    const partitions: FetchedPartition[] =
      'error' in response
        ? request.partitions.map(({ topic, partition }) => ({ topic, partition, highWatermark: -1, logStartOffset: -1, records: Buffer.alloc(0), error: response.error }))
        : response.partitions;
    return {
      throttleTimeMs: 0,
      responses: byTopic(partitions, ({ partition, highWatermark, records, error }) => ({
        partitionIndex: partition,
        errorCode: errorCode(error),
        highWatermark,
        lastStableOffset: highWatermark,
        abortedTransactions: null,
        records,
      })),
    };
    //<
  //> step 09 rewrites
  },
  responseFromWire: (wire) => ({
    partitions: flatten(wire.responses, (topic, { partitionIndex, errorCode: code, highWatermark, records }) => {
      const error = errorFromCode(code);
      // A broker may send null for "no records": the code reads an empty record set the same way.
      const fetched = { topic, partition: partitionIndex, highWatermark, logStartOffset: -1, records: records ?? Buffer.alloc(0) };
      return error ? { ...fetched, error } : fetched;
    }),
  }),
};
  //<
