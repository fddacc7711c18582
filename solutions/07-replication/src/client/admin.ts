// KafkaAdmin: the client that manages topics rather than records.
//
// With auto-creation, a topic springs into existence with the broker's `numPartitions` the first
// time anyone names it, typos included. Creating topics on purpose lets you choose the partition
// count, which caps how many consumers of one group can share the topic (step 06).
import { Cluster } from './cluster.ts';
import { KafkaError } from '../common/errors.ts';

export interface AdminOptions {
  /** Brokers to ask, as "host:port"; Kafka's `bootstrap.servers`. The first that answers is used. */
  bootstrapServers: string[];
}

export interface NewTopicOptions {
  /** Number of partitions; the broker's `numPartitions` when not given. */
  partitions?: number;
  //> step 07 rewrites: a topic has copies on several brokers, and settings of its own
  /** Copies of each partition, on as many brokers; the broker's `defaultReplicationFactor` when not given. */
  replicationFactor?: number;
  /** The topic's settings by Kafka's names, e.g. `{ 'min.insync.replicas': '2' }`. */
  configs?: Record<string, string>;
}

export class KafkaAdmin {
  private readonly cluster: Cluster;

  constructor(options: AdminOptions) {
    this.cluster = new Cluster(options.bootstrapServers);
  }

  /** Creates a topic; rejects with TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, … when the broker refuses. */
  async createTopic(name: string, options: NewTopicOptions = {}): Promise<void> {
    const { replicationFactor, configs } = options;
    const topic = { name, partitions: options.partitions ?? 1, ...(replicationFactor === undefined ? {} : { replicationFactor }), ...(configs ? { configs } : {}) };
    const response = await this.cluster.askAnyBroker({ type: 'createTopics', topics: [topic] });
    //<
    const result = response.topics.find((topic) => topic.name === name);
    if (result?.error) throw new KafkaError(result.error.code, result.error.message);
  }

  /** The names of every topic the cluster has, sorted. */
  async listTopics(): Promise<string[]> {
    const response = await this.cluster.refreshMetadata();
    return response.topics.map((topic) => topic.name).sort();
  }

  async close(): Promise<void> {
    await this.cluster.close();
  }
}
