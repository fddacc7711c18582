// Fetch: records from several partitions, each from an offset on, in one request. The broker
// answers once it has `minBytes` for the whole request, or `maxWaitMs` has passed: long polling.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';
import type { WireRecord } from './produce.ts';

/** One partition a fetch reads, from `offset` on, up to about `maxBytes`. */
export interface FetchPartition {
  topic: string;
  partition: number;
  offset: number;
  maxBytes?: number;
}

export interface FetchRequest {
  type: 'fetch';
  correlationId: number;
  //> step 07 given
  /** Who fetches: a follower copying its leader gives its broker id (Kafka's replica_id); a consumer, -1 or nothing. */
  replicaId?: number;
  //<
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartition[];
}

/** A record read back: what was produced, with the offset the log gave it. */
export interface WireRecordWithOffset extends WireRecord {
  offset: number;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  //> step 07 rewrites: consumers read up to the high watermark, no longer to the log end
  /** The offset after the last record every in-sync replica has: consumers read up to here, never beyond. */
  highWatermark: number;
  logStartOffset: number;
  records: WireRecordWithOffset[];
  /** To a follower: the leader's batches exactly as stored (base64), which it appends as they are, offsets and all. */
  batches?: string[];
  error?: ErrorBody;
}

export interface FetchResponse {
  partitions: FetchedPartition[];
}

export function parseFetch(request: Fields): Omit<FetchRequest, 'type' | 'correlationId'> {
  return {
    // Kafka's defaults (fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes), and int32 like its
    // fields: a wait over 2^31 - 1 ms would make Node's timer fire at once, again and again.
    replicaId: request.int('replicaId', { min: -1, fallback: -1 }),
    //<
    maxWaitMs: request.int('maxWaitMs', { fallback: 500 }),
    minBytes: request.int('minBytes', { fallback: 1 }),
    maxBytes: request.int('maxBytes', { fallback: 52_428_800 }),
    partitions: request.list('partitions', (entry) => {
      // Any offset reads: one outside the log is the broker's to answer (OFFSET_OUT_OF_RANGE).
      const partition = { topic: entry.string('topic'), partition: entry.int('partition'), offset: entry.int('offset', { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }) };
      return entry.has('maxBytes') ? { ...partition, maxBytes: entry.int('maxBytes') } : partition;
    }),
  };
}
