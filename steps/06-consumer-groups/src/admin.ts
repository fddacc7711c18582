// KafkaAdmin: the client that manages topics rather than records.
//
// With auto-creation, a topic springs into existence with the broker's `numPartitions` the first
// time anyone names it, typos included. Creating topics on purpose lets you choose the partition
// count, which caps how many consumers of one group can share the topic (step 06).
import { Connection } from './connection.ts';
import { KafkaError } from './errors.ts';
import { parseHostPort } from './producer.ts';
import type { CreateTopicsResponse, MetadataResponse } from './protocol.ts';

export interface AdminOptions {
  /** Brokers to ask, as "host:port"; the first that answers is used. */
  bootstrapServers: string[];
}

export interface NewTopicOptions {
  /** Number of partitions; the broker's `numPartitions` when not given. */
  partitions?: number;
  /** Copies of each partition; only 1 is possible until replication (step 07). */
  replicationFactor?: number;
}

export class KafkaAdmin {
  private readonly connections: Connection[];

  constructor(options: AdminOptions) {
    if (options.bootstrapServers.length === 0) throw new Error('bootstrapServers is empty: give at least one "host:port"');
    this.connections = options.bootstrapServers.map((server) => {
      const { host, port } = parseHostPort(server);
      return new Connection(host, port);
    });
  }

  // #region create-topic
  /** Creates a topic; rejects with TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, … when the broker refuses. */
  async createTopic(name: string, options: NewTopicOptions = {}): Promise<void> {
    const replicationFactor = options.replicationFactor ?? 1;
    if (replicationFactor !== 1) {
      throw new KafkaError('INVALID_REPLICATION_FACTOR', `replicationFactor ${replicationFactor} needs replication, which arrives in step 07; use 1`);
    }
    const response = await this.ask<CreateTopicsResponse>({ type: 'createTopics', topics: [{ name, partitions: options.partitions ?? 1 }] });
    const result = response.topics.find((topic) => topic.name === name);
    if (result?.error) throw new KafkaError(result.error.code, result.error.message);
  }
  // #endregion create-topic

  /** The names of every topic the cluster has, sorted. */
  async listTopics(): Promise<string[]> {
    const response = await this.ask<MetadataResponse>({ type: 'metadata' });
    return response.topics.map((topic) => topic.name).sort();
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }

  /** Sends the request to the bootstrap servers in turn until one answers. */
  private async ask<T extends object>(body: { type: string } & Record<string, unknown>): Promise<T> {
    const failures: string[] = [];
    for (const connection of this.connections) {
      try {
        return await connection.request<T>(body);
      } catch (error) {
        if (error instanceof KafkaError) throw error; // the broker answered: no point asking another
        failures.push(`${connection.address}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no bootstrap server answered a ${body.type} request (${failures.join('; ')})`);
  }
}
