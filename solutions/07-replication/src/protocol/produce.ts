// Produce: records for a topic's partition, acknowledged once the broker has them.
// One request carries batches for any number of partitions led by the receiving broker (Kafka's
// Produce request), and each batch gets its own result: one bad batch spoils no other.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

/** A record on the wire: bytes as base64 (JSON has no bytes), null stays null. */
export interface WireRecord {
  key: string | null;
  value: string | null;
  /** Milliseconds since the epoch (Kafka's int64 CreateTime). */
  timestamp: number;
  headers: Array<{ key: string; value: string | null }>;
}

/** The records of one partition that travel together. */
export interface WireBatch {
  topic: string;
  partition: number;
  records: WireRecord[];
}

export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  //> step 07 rewrites: acks now means what it says
  /** Who must have the records before the answer: 0 nobody (no answer at all), 1 the leader, -1 every in-sync replica. */
  acks: number;
  /** How long an acks=-1 request may wait for the in-sync replicas before REQUEST_TIMED_OUT; Kafka's produce timeout_ms. */
  timeoutMs: number;
  //<
  batches: WireBatch[];
}

/** One result per batch, in the request's order: where the batch starts, or why it failed. */
export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  error?: ErrorBody;
}

export interface ProduceResponse {
  results: ProduceResult[];
}

export function parseProduce(request: Fields): Omit<ProduceRequest, 'type' | 'correlationId'> {
  return {
    //> step 07 rewrites
    // 0: no answer wanted, 1: the leader has it, -1: all in-sync replicas have it.
    acks: request.int('acks', { min: -1, max: 1, fallback: 1 }),
    timeoutMs: request.int('timeoutMs', { fallback: 30_000 }),
    //<
    batches: request.list('batches', (batch) => ({
      topic: batch.string('topic'),
      partition: batch.int('partition'),
      records: batch.list('records', parseRecord),
    })),
  };
}

function parseRecord(record: Fields): WireRecord {
  return {
    key: record.bytes('key'),
    value: record.bytes('value'),
    // -1 is Kafka's "no timestamp"; an int64 beyond 2^53 cannot even be a JavaScript number.
    timestamp: record.int('timestamp', { min: -1, max: Number.MAX_SAFE_INTEGER }),
    headers: record.list('headers', (header) => ({ key: header.string('key', { empty: true }), value: header.bytes('value') }), { fallback: [] }),
  };
}
