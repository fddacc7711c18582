// ListOffsets: where each partition starts or ends.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

/** Kafka's ListOffsets sentinels: the first offset still kept, or the next offset to be written. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** Kafka's ListOffsets, by the sentinel timestamps only (this broker keeps no time index). */
export interface ListOffsetsRequest {
  type: 'listOffsets';
  correlationId: number;
  partitions: Array<{ topic: string; partition: number; timestamp: number }>;
}

export interface ListOffsetsResponse {
  partitions: Array<{ topic: string; partition: number; offset: number; error?: ErrorBody }>;
}

export function parseListOffsets(request: Fields): Omit<ListOffsetsRequest, 'type' | 'correlationId'> {
  return {
    partitions: request.list('partitions', (entry) => ({
      topic: entry.string('topic'),
      partition: entry.int('partition'),
      timestamp: entry.int('timestamp', { min: EARLIEST_TIMESTAMP, max: LATEST_TIMESTAMP, expected: '-2 (earliest) or -1 (latest): this broker keeps no time index' }),
    })),
  };
}
