// CreateTopics: topics made on purpose, each with the number of partitions asked for.
import type { ErrorBody } from './envelope.ts';
import type { Fields } from './fields.ts';

export interface CreateTopicsRequest {
  type: 'createTopics';
  correlationId: number;
  //> step 07 rewrites: a topic is created with copies on several brokers and its own settings
  topics: NewTopic[];
}

export interface NewTopic {
  name: string;
  partitions: number;
  /** Copies of each partition, on as many brokers; the broker's `defaultReplicationFactor` when absent. */
  replicationFactor?: number;
  /** Topic settings by Kafka's names; this broker knows `min.insync.replicas`. */
  configs?: Record<string, string>;
}

/** One entry per topic asked for: no error means it was created. */
export interface CreateTopicsResponse {
  topics: Array<{ name: string; error?: ErrorBody }>;
}

export function parseCreateTopics(request: Fields): Omit<CreateTopicsRequest, 'type' | 'correlationId'> {
  return {
    // Whether the count makes sense is the broker's answer, topic by topic (INVALID_PARTITIONS).
    topics: request.list('topics', (topic) => ({
      name: topic.string('name', { empty: true }),
      partitions: topic.number('partitions'),
      ...(topic.has('replicationFactor') ? { replicationFactor: topic.number('replicationFactor') } : {}),
      ...(topic.has('configs') ? { configs: topic.stringMap('configs') } : {}),
    })),
    //<
  };
}
