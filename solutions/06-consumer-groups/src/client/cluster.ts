// A client's view of the cluster, shared by every client (the producer here, the admin from step
// 04, the consumer from step 05): which brokers there are, which one leads each partition, and one
// connection per broker, reused by every request to it.
//
// A client starts knowing only its bootstrap servers. It asks one of them for metadata, learns
// every broker's id and address and each partition's leader, and from then on sends each
// request to the broker it concerns. Kafka's Java client splits this into `Metadata` and
// `NetworkClient`; KafkaJS calls it `Cluster`, as this file does.
import { Connection, parseHostPort, type HostPort } from '../network/connection.ts';
import { KafkaError } from '../common/errors.ts';
import type { MetadataResponse, RequestBody, RequestType, ResponseOf, TopicMetadata } from '../protocol/index.ts';

export class Cluster {
  private readonly bootstrapServers: HostPort[];
  /** One connection per broker ("host:port"), opened on first use. */
  private readonly connections = new Map<string, Connection>();
  /** Every broker the metadata named, by id. */
  private readonly brokers = new Map<number, HostPort>();
  /** The id of the broker leading each partition ("topic-partition"). */
  private readonly leaders = new Map<string, number>();
  /** Each topic's metadata, asked once and remembered (a failed ask is forgotten). */
  private readonly topics = new Map<string, Promise<TopicMetadata>>();

  constructor(bootstrapServers: string[]) {
    if (bootstrapServers.length === 0) throw new Error('bootstrapServers is empty: give at least one "host:port"');
    this.bootstrapServers = bootstrapServers.map(parseHostPort);
  }

  /**
   * Sends a request that any broker can answer (metadata, say), trying the bootstrap servers and
   * then every other broker the metadata named, in turn, until one answers. An error answer is
   * an answer: another broker would say the same. Only when none can be reached does it give up,
   * with what went wrong at each.
   */
  async askAnyBroker<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>> {
    const failures: string[] = [];
    for (const address of this.candidates()) {
      const connection = this.connectionTo(address);
      try {
        return await connection.request(body);
      } catch (error) {
        if (error instanceof KafkaError) throw error;
        failures.push(`${connection.address}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no broker answered a ${body.type} request (${failures.join('; ')})`);
  }

  /** The bootstrap servers first, then the brokers learnt from metadata, each address once. */
  private candidates(): HostPort[] {
    const seen = new Map<string, HostPort>();
    for (const address of [...this.bootstrapServers, ...this.brokers.values()]) seen.set(`${address.host}:${address.port}`, address);
    return [...seen.values()];
  }

  /** Asks for fresh metadata about these topics (every topic when absent) and remembers what it says. */
  async refreshMetadata(topics?: string[]): Promise<MetadataResponse> {
    const response = await this.askAnyBroker({ type: 'metadata', ...(topics ? { topics } : {}) });
    for (const { id, host, port } of response.brokers) this.brokers.set(id, { host, port });
    for (const topic of response.topics) {
      if (topic.error) continue;
      for (const { partition, leader } of topic.partitions) this.leaders.set(`${topic.name}-${partition}`, leader);
      this.topics.set(topic.name, Promise.resolve(topic));
    }
    return response;
  }

  /** A topic's partitions and leaders, asked once and then remembered; rejects with the broker's error for it. */
  topic(name: string): Promise<TopicMetadata> {
    let known = this.topics.get(name);
    if (!known) {
      known = this.refreshMetadata([name]).then((response) => {
        const found = response.topics.find((candidate) => candidate.name === name);
        if (!found) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `the broker returned no metadata for topic "${name}"`);
        if (found.error) throw new KafkaError(found.error.code, `topic "${name}": ${found.error.message}`);
        return found;
      });
      known.catch(() => this.topics.delete(name)); // a failure is not remembered: ask again next time
      this.topics.set(name, known);
    }
    return known;
  }

  /** The id of the broker leading a partition, as the last metadata said; undefined if it never said. */
  leaderOf(topic: string, partition: number): number | undefined {
    return this.leaders.get(`${topic}-${partition}`);
  }

  /** The connection to the broker with this id; LEADER_NOT_AVAILABLE when the metadata never gave its address. */
  connectionToBroker(id: number): Connection {
    const broker = this.brokers.get(id);
    if (!broker) throw new KafkaError('LEADER_NOT_AVAILABLE', `the metadata names no address for broker ${id}`);
    return this.connectionTo(broker);
  }

  /** The connection to a broker's address, opened on first use and then reused. */
  connectionTo({ host, port }: HostPort): Connection {
    const address = `${host}:${port}`;
    let connection = this.connections.get(address);
    if (!connection) {
      connection = new Connection(host, port);
      this.connections.set(address, connection);
    }
    return connection;
  }

  /** Closes every connection; requests still waiting are rejected. */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
  }
}
