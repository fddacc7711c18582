// A client's view of the cluster, shared by every client (the producer here, the admin from step
// 04, the consumer from step 05): which brokers there are, which one leads each partition, and one
// connection per broker, reused by every request to it.
//
// A client starts knowing only its bootstrap servers. It asks one of them for metadata, learns
// every broker's id and address and each partition's leader, and from then on sends each
// request to the broker it concerns. Kafka's Java client splits this into `Metadata` and
// `NetworkClient`; KafkaJS calls it `Cluster`, as this file does.
//> step 08 rewrites: the client view keeps leader epochs and refreshes what a retry needs
//
// From step 08 the metadata goes stale: a controller moves leadership when a broker dies. A client
// learns it from an error (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE) or a dropped connection,
// and then asks again (refreshTopic). Each partition's leader comes with its LEADER EPOCH, the
// number of the election that made it leader: a higher epoch is newer news. A partition whose
// leader is -1 has none right now (its replicas are all down, or the election is still on).
import { Connection, ConnectionError, parseHostPort, type HostPort } from '../network/connection.ts';
import { KafkaError } from '../common/errors.ts';
import type { MetadataResponse, PartitionMetadata, RequestBody, RequestType, ResponseOf, TopicMetadata } from '../protocol/index.ts';

/** A partition's leader as the last metadata said: the broker id (-1 for none) and its leader epoch (-1 when the broker sent none). */
export interface PartitionLeader {
  leader: number;
  leaderEpoch: number;
}

export class Cluster {
  private readonly bootstrapServers: HostPort[];
  /** One connection per broker ("host:port"), opened on first use. */
  private readonly connections = new Map<string, Connection>();
  /** Every broker the metadata named, by id. */
  private readonly brokers = new Map<number, HostPort>();
  /** The broker leading each partition ("topic-partition"), with its leader epoch. */
  private readonly leaders = new Map<string, PartitionLeader>();
  /** Each topic's metadata, asked once and remembered (a failed ask is forgotten). */
  private readonly topics = new Map<string, Promise<TopicMetadata>>();
  /** Refreshes of a topic's metadata on their way: callers at the same moment share one request. */
  private readonly refreshing = new Map<string, Promise<TopicMetadata>>();

  constructor(bootstrapServers: string[]) {
    if (bootstrapServers.length === 0) throw new Error('bootstrapServers is empty: give at least one "host:port"');
    this.bootstrapServers = bootstrapServers.map(parseHostPort);
  }

  /**
   * Sends a request that any broker can answer (metadata, say), trying the bootstrap servers and
   * then every other broker the metadata named, in turn, until one answers. An error answer is
   * an answer: another broker would say the same. Only when none can be reached does it give up,
   * with what went wrong at each (a ConnectionError: retriable, as the brokers may come back).
   * A broker that failed is asked again next time: its Connection reconnects on the next request.
   */
  async askAnyBroker<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>> {
    const failures: string[] = [];
    let notController: KafkaError | null = null;
    for (const address of this.candidates()) {
      const connection = this.connectionTo(address);
      try {
        return await connection.request(body);
      } catch (error) {
        // NOT_CONTROLLER (step 08) is the one answer that another broker would not give: ask on.
        if (error instanceof KafkaError && error.code !== 'NOT_CONTROLLER') throw error;
        if (error instanceof KafkaError) notController = error;
        failures.push(`${connection.address}: ${(error as Error).message}`);
      }
    }
    // Every broker that answered said it is not the controller: one is being elected. Retriable.
    if (notController) throw new KafkaError(notController.code, `no broker could take a ${body.type} request (${failures.join('; ')})`);
    throw new ConnectionError(`no broker answered a ${body.type} request (${failures.join('; ')})`);
  }

  /** The bootstrap servers first, then the brokers learnt from metadata, each address once. */
  private candidates(): HostPort[] {
    const seen = new Map<string, HostPort>();
    for (const address of [...this.bootstrapServers, ...this.brokers.values()]) seen.set(`${address.host}:${address.port}`, address);
    return [...seen.values()];
  }

  /**
   * Asks for fresh metadata about these topics (every topic when absent) and remembers what it
   * says: every broker's address (one that restarted elsewhere gets its new one), and each
   * partition's leader and leader epoch.
   */
  async refreshMetadata(topics?: string[]): Promise<MetadataResponse> {
    const response = await this.askAnyBroker({ type: 'metadata', ...(topics ? { topics } : {}) });
    for (const { id, host, port } of response.brokers) this.brokers.set(id, { host, port });
    for (const topic of response.topics) {
      if (topic.error) continue;
      for (const partition of topic.partitions) this.leaders.set(`${topic.name}-${partition.partition}`, { leader: partition.leader, leaderEpoch: leaderEpochOf(partition) });
      //<
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

  //> step 08 rewrites
  /** Forgets what the metadata said about a topic, so that the next topic() asks a broker again. */
  invalidate(topic: string): void {
    this.topics.delete(topic);
  }

  /**
   * Asks again for a topic's metadata, after an error said it is stale. Many batches or fetches
   * that fail together (their leader died) then share one metadata request instead of sending one each.
   */
  refreshTopic(topic: string): Promise<TopicMetadata> {
    let fresh = this.refreshing.get(topic);
    if (!fresh) {
      this.invalidate(topic);
      fresh = this.topic(topic);
      this.refreshing.set(topic, fresh);
      const done = () => this.refreshing.delete(topic);
      fresh.then(done, done);
    }
    return fresh;
  }

  /**
   * The id of the broker leading a partition, as the last metadata said; undefined if it never
   * said, or said -1: nobody leads the partition right now (LEADER_NOT_AVAILABLE), so wait and ask again.
   */
  leaderOf(topic: string, partition: number): number | undefined {
    const known = this.leaders.get(`${topic}-${partition}`);
    return known === undefined || known.leader < 0 ? undefined : known.leader;
  }

  /** The epoch of a partition's leader as the last metadata said; -1 when unknown. */
  leaderEpochOf(topic: string, partition: number): number {
    return this.leaders.get(`${topic}-${partition}`)?.leaderEpoch ?? -1;
  }

  /** The connection to the broker with this id; LEADER_NOT_AVAILABLE when the metadata never gave its address. */
  connectionToBroker(id: number): Connection {
    const broker = this.brokers.get(id);
    if (!broker) throw new KafkaError('LEADER_NOT_AVAILABLE', `the metadata names no address for broker ${id}`);
    return this.connectionTo(broker);
  }

  /**
   * The connection to a broker's address, opened on first use and then reused. A connection whose
   * broker went away is not thrown out: it connects again on its next request (see connection.ts),
   * and fails fast with a ConnectionError while nobody listens there.
   */
  //<
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

//> step 08 given
/** A partition's leader epoch; -1 from a broker that sends none (steps before 08). */
function leaderEpochOf(partition: PartitionMetadata): number {
  const { leaderEpoch } = partition as PartitionMetadata & { leaderEpoch?: number };
  return typeof leaderEpoch === 'number' ? leaderEpoch : -1;
}
//<
