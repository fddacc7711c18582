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
  /** Copies of each partition; only 1 is possible until replication (step 07). */
  replicationFactor?: number;
}

export class KafkaAdmin {
  private readonly cluster: Cluster;

  constructor(options: AdminOptions) {
    this.cluster = new Cluster(options.bootstrapServers);
  }

  /** Creates a topic; rejects with TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, … when the broker refuses. */
  async createTopic(name: string, options: NewTopicOptions = {}): Promise<void> {
    const replicationFactor = options.replicationFactor ?? 1;
    if (replicationFactor !== 1) {
      throw new KafkaError('INVALID_REPLICATION_FACTOR', `replicationFactor ${replicationFactor} needs replication, which arrives in step 07; use 1`);
    }
    const response = await this.cluster.askAnyBroker({ type: 'createTopics', topics: [{ name, partitions: options.partitions ?? 1 }] });
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
