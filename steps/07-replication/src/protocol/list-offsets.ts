// ListOffsets: where each partition starts or ends, or where a time begins in it.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

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

export function parseListOffsets(request: Fields): Omit<ListOffsetsRequest, 'type' | 'correlationId'> {
  return {
    partitions: request.list('partitions', (entry) => ({
      topic: entry.string('topic'),
      partition: entry.int('partition'),
      timestamp: entry.int('timestamp', { min: EARLIEST_TIMESTAMP, max: Number.MAX_SAFE_INTEGER, expected: 'a time in ms since the epoch, or -2 (earliest) or -1 (latest)' }),
    })),
  };
}
