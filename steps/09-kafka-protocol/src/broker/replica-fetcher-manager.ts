// The fetchers that copy the partitions this broker follows (Kafka's ReplicaFetcherManager): one
// ReplicaFetcher per leader broker, carrying every partition this broker follows on that leader,
// so a broker that follows 100 partitions on 2 leaders sends 2 fetches at a time, not 100.
import type { Partition } from './partition.ts';
import { ReplicaFetcher } from './replica-fetcher.ts';

export interface ReplicaFetcherManagerOptions {
  /** This broker's id. */
  localId: number;
  /** Every broker of the cluster, where a follower finds its leader's address. */
  brokers: () => Array<{ id: number; host: string; port: number }>;
  /** How long a leader may hold a follower's fetch; Kafka's `replica.fetch.wait.max.ms`. */
  replicaFetchWaitMaxMs: number;
  /** The pause before fetching again from a leader that failed; Kafka's `replica.fetch.backoff.ms`. */
  replicaFetchBackoffMs: number;
  log: (line: string) => void;
}

export class ReplicaFetcherManager {
  /** One fetcher per leader this broker follows, by the leader's id. */
  private readonly fetchers = new Map<number, ReplicaFetcher>();

  constructor(private readonly options: ReplicaFetcherManagerOptions) {}

  /** A follower copies its leader with the fetcher for that leader; a leader copies nobody. */
  follow(partition: Partition): void {
    for (const fetcher of this.fetchers.values()) fetcher.remove(partition);
    if (partition.isLeader || partition.leader === -1) return;
    const leader = this.options.brokers().find((broker) => broker.id === partition.leader);
    if (!leader) return;
    // A broker that came back on another address gets a new fetcher.
    let fetcher = this.fetchers.get(leader.id);
    if (fetcher && (fetcher.address.host !== leader.host || fetcher.address.port !== leader.port)) {
      void fetcher.stop();
      fetcher = undefined;
    }
    if (!fetcher) {
      fetcher = new ReplicaFetcher({
        localId: this.options.localId,
        leaderId: leader.id,
        leader,
        maxWaitMs: this.options.replicaFetchWaitMaxMs,
        backoffMs: this.options.replicaFetchBackoffMs,
        log: this.options.log,
      });
      this.fetchers.set(leader.id, fetcher);
    }
    fetcher.add(partition);
  }

  /** Stops every fetcher (the broker is stopping). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.fetchers.values()].map((fetcher) => fetcher.stop()));
    this.fetchers.clear();
  }
}
