// The error a client sees when the broker answers a request with an error.
//
// `code` is one of Apache Kafka's error names (INVALID_REQUEST, UNKNOWN_TOPIC_OR_PARTITION, …),
// so what you learn here maps one to one onto what a real Kafka client reports.

import type { ErrorBody } from '../protocol/index.ts';

export class KafkaError extends Error {
  constructor(
    readonly code: string,
    /** What went wrong, in words (the message without the code). */
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'KafkaError';
  }
}

/** Kafka's OFFSET_OUT_OF_RANGE (OffsetOutOfRangeException): the offset is before the log start or after the log end. */
export class OffsetOutOfRangeError extends KafkaError {
  constructor(message: string) {
    super('OFFSET_OUT_OF_RANGE', message);
    this.name = 'OffsetOutOfRangeError';
  }
}

/**
 * A KafkaError as an answer carries it, for a whole request or for one partition of it: the one
 * way the broker reports a refusal. Any other error is a bug, and is thrown on (the broker then
 * answers UNKNOWN_SERVER_ERROR and logs it).
 */
export function errorBody(error: unknown): ErrorBody {
  if (error instanceof KafkaError) return { code: error.code, message: error.reason };
  throw error;
}
