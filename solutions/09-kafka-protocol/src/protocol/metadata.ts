// Metadata: which brokers there are, and for each topic its partitions and their leaders.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

export interface MetadataRequest {
  type: 'metadata';
  correlationId: number;
  /** The topics to describe (created on first use); every known topic when absent. */
  topics?: string[];
}

export interface PartitionMetadata {
  partition: number;
  /** The id of the broker that takes the partition's writes. */
  leader: number;
  replicas: number[];
  isr: number[];
  /** Grows with every new leader (step 08): a client that saw a newer epoch knows this answer is stale. */
  leaderEpoch?: number;
}

export interface TopicMetadata {
  name: string;
  error?: ErrorBody;
  partitions: PartitionMetadata[];
  /** The topic's own settings by Kafka's names (`min.insync.replicas`), when it has any. */
  configs?: Record<string, string>;
}

export interface MetadataResponse {
  brokers: Array<{ id: number; host: string; port: number }>;
  /** The broker that runs the cluster (step 08 elects one); kcat -L marks it "(controller)". */
  controllerId?: number;
  topics: TopicMetadata[];
}

export function parseMetadata(request: Fields): Omit<MetadataRequest, 'type' | 'correlationId'> {
  const topics = request.strings('topics');
  return topics === undefined ? {} : { topics };
}
