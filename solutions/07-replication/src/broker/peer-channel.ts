// The connections a broker keeps to the other brokers of its cluster, for the requests it sends
// them itself: the LeaderAndIsr that tells them a topic's layout. (Followers fetch over
// connections of their own, replica-fetcher.ts: a fetch held by the leader must not hold up
// anything else.) Kafka's controller keeps such a channel to every broker (its
// ControllerChannelManager); until step 08 every broker has one.
import { Connection } from '../network/connection.ts';
import type { TopicLayout } from '../protocol/index.ts';
import type { BrokerInfo } from './replica-manager.ts';

export class PeerChannel {
  /** One connection per other broker, by id, opened on first use. */
  private readonly connections = new Map<number, Connection>();

  constructor(
    private readonly localId: number,
    private readonly brokers: () => BrokerInfo[],
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Tells every other broker a topic's layout; resolves once each has answered or failed. A broker
   * that is down misses it, and is told the layout when it asks (it loads the cluster's layout
   * from a live broker as it starts; see Broker.start).
   */
  async announce(layout: TopicLayout): Promise<void> {
    const others = this.brokers().filter((broker) => broker.id !== this.localId);
    await Promise.all(
      others.map(async (broker) => {
        try {
          await this.connectionTo(broker).request({ type: 'leaderAndIsr', senderId: this.localId, topics: [layout] });
        } catch (error) {
          this.log(`Could not tell broker ${broker.id} the layout of "${layout.name}": ${(error as Error).message}`);
        }
      }),
    );
  }

  /** The whole layout as another broker knows it (every topic), or null when none answers. */
  async fetchLayout(): Promise<TopicLayout[] | null> {
    for (const broker of this.brokers().filter((other) => other.id !== this.localId)) {
      try {
        const { topics } = await this.connectionTo(broker).request({ type: 'metadata' });
        return topics.filter((topic) => !topic.error).map((topic) => ({ name: topic.name, configs: topic.configs ?? {}, partitions: topic.partitions }));
      } catch {
        // Not up yet, or gone: ask the next one.
      }
    }
    return null;
  }

  private connectionTo(broker: BrokerInfo): Connection {
    let connection = this.connections.get(broker.id);
    if (!connection) this.connections.set(broker.id, (connection = new Connection(broker.host, broker.port)));
    return connection;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.close()));
  }
}
