// KafkaAdmin: the client that manages topics rather than records.
//
// With auto-creation, a topic springs into existence with the broker's `numPartitions` the first
// time anyone names it, typos included. Creating topics on purpose lets you choose the partition
// count, which caps how many consumers of one group can share the topic (step 06).
//> step 08 given
//
// From step 08 brokers come and go. A request goes to any broker that answers (askAnyBroker tries
// the next one when a connection fails, or when a broker says NOT_CONTROLLER); when the cluster
// answers with a retriable error (no controller yet, a leader being elected), the admin waits
// `retryBackoffMs` and asks again, for up to `defaultApiTimeoutMs`.
import { Cluster } from './cluster.ts';
import { KafkaError } from '../common/errors.ts';
import { isRetriable, RETRY_DEFAULTS, withRetries } from './retry.ts';

export interface AdminOptions {
  /** Brokers to ask, as "host:port"; Kafka's `bootstrap.servers`. The first that answers is used. */
  bootstrapServers: string[];
  /** How long to wait before asking again after a retriable error; Kafka's `retry.backoff.ms` (100). */
  retryBackoffMs?: number;
  /** How long a call keeps retrying; Kafka's `default.api.timeout.ms` (60 000). */
  defaultApiTimeoutMs?: number;
  //<
}

export interface NewTopicOptions {
  /** Number of partitions; the broker's `numPartitions` when not given. */
  partitions?: number;
  /** Copies of each partition, on as many brokers; the broker's `defaultReplicationFactor` when not given. */
  replicationFactor?: number;
  /** The topic's settings by Kafka's names, e.g. `{ 'min.insync.replicas': '2' }`. */
  configs?: Record<string, string>;
}

export class KafkaAdmin {
  private readonly cluster: Cluster;
  //> step 08 rewrites: admin requests retry when the cluster is changing
  private readonly retryBackoffMs: number;
  private readonly defaultApiTimeoutMs: number;

  constructor(options: AdminOptions) {
    this.cluster = new Cluster(options.bootstrapServers);
    this.retryBackoffMs = options.retryBackoffMs ?? RETRY_DEFAULTS.retryBackoffMs;
    this.defaultApiTimeoutMs = options.defaultApiTimeoutMs ?? RETRY_DEFAULTS.defaultApiTimeoutMs;
  }

  /**
   * Runs one admin call, again after retryBackoffMs while the cluster answers with a retriable
   * error. When no broker answers at all, askAnyBroker has already tried each of them: the call
   * fails at once (a wrong bootstrap address shows without a minute's wait).
   */
  private retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const retriable = (error: unknown) => error instanceof KafkaError && isRetriable(error);
    return withRetries(what, { backoffMs: this.retryBackoffMs, timeoutMs: this.defaultApiTimeoutMs, retriable }, call);
  }

  /** Creates a topic; rejects with TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, … when the broker refuses. */
  async createTopic(name: string, options: NewTopicOptions = {}): Promise<void> {
    const { replicationFactor, configs } = options;
    const topic = { name, partitions: options.partitions ?? 1, ...(replicationFactor === undefined ? {} : { replicationFactor }), ...(configs ? { configs } : {}) };
    // A retry after a lost answer may find the topic made by the first attempt: TOPIC_ALREADY_EXISTS, as in Kafka.
    await this.retrying(`creating topic "${name}"`, async () => {
      const response = await this.cluster.askAnyBroker({ type: 'createTopics', topics: [topic] });
      const result = response.topics.find((topic) => topic.name === name);
      if (result?.error) throw new KafkaError(result.error.code, result.error.message);
    });
  }

  /** The names of every topic the cluster has, sorted. */
  async listTopics(): Promise<string[]> {
    const response = await this.retrying('listing topics', () => this.cluster.refreshMetadata());
    //<
    return response.topics.map((topic) => topic.name).sort();
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}
