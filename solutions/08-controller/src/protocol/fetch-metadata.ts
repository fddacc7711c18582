// FetchMetadata: a broker copies the controller's metadata log, the way a follower copies a
// partition: from the offset it has reached, held by the controller until there is something
// new (long polling). KRaft brokers fetch `__cluster_metadata` with an ordinary Fetch request;
// here it has a request of its own, with the records as JSON.
import type { MetadataRecord } from '../metadata/metadata-image.ts';
import type { Fields } from './fields.ts';

export interface FetchMetadataRequest {
  type: 'fetchMetadata';
  correlationId: number;
  brokerId: number;
  /** The first metadata offset the broker does not have yet. */
  offset: number;
  maxWaitMs: number;
}

export interface FetchMetadataResponse {
  records: Array<{ offset: number; record: MetadataRecord }>;
}

export function parseFetchMetadata(request: Fields): Omit<FetchMetadataRequest, 'type' | 'correlationId'> {
  return {
    brokerId: request.int('brokerId'),
    offset: request.int('offset', { min: 0, max: Number.MAX_SAFE_INTEGER }),
    maxWaitMs: request.int('maxWaitMs', { fallback: 500 }),
  };
}
