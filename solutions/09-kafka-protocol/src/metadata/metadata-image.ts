// The cluster's metadata as records, and the picture they add up to. KRaft keeps the cluster's
// state as a log of such records (`__cluster_metadata`): the controller appends one for every
// change, and every broker replays them in order into the same picture, its metadata image.
// The controller's own state after a restart is just the replay of its log.
//
// A record states a fact whole ("partition test-topic-0 is now led by 2 in epoch 5 with ISR
// 2,3"), never a difference, so replaying one twice does no harm.

/** A broker as the controller knows it. */
export interface BrokerRegistration {
  id: number;
  host: string;
  port: number;
  /** Grows with each registration: it tells one life of the broker from the next. */
  epoch: number;
  /** A fenced broker has missed its heartbeats (or is starting): it leads nothing and is in no ISR. */
  fenced: boolean;
}

/** One partition's state: who holds it, who leads it, who is in sync, and the versions of all that. */
export interface PartitionState {
  partition: number;
  /** The brokers holding a copy; the first is the preferred leader. */
  replicas: number[];
  /** The broker leading it, -1 when no in-sync replica is alive (the partition is offline). */
  leader: number;
  /** Grows with every new leader: a batch written in epoch N was written by that epoch's leader. */
  leaderEpoch: number;
  isr: number[];
  /** Grows with every change of this state (leader or ISR): AlterPartition names the version it saw. */
  partitionEpoch: number;
}

export interface TopicState {
  name: string;
  configs: Record<string, string>;
  partitions: PartitionState[];
}

export type MetadataRecord =
  | { type: 'registerBroker'; id: number; host: string; port: number; epoch: number }
  | { type: 'fenceBroker'; id: number }
  | { type: 'unfenceBroker'; id: number }
  | { type: 'topic'; name: string; configs: Record<string, string> }
  | ({ type: 'partition'; topic: string } & PartitionState);

export class MetadataImage {
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly topics = new Map<string, TopicState>();

  apply(record: MetadataRecord): void {
    switch (record.type) {
      case 'registerBroker':
        this.brokers.set(record.id, { id: record.id, host: record.host, port: record.port, epoch: record.epoch, fenced: false });
        break;
      case 'fenceBroker':
      case 'unfenceBroker': {
        const broker = this.brokers.get(record.id);
        if (broker) broker.fenced = record.type === 'fenceBroker';
        break;
      }
      case 'topic':
        this.topics.set(record.name, { name: record.name, configs: record.configs, partitions: this.topics.get(record.name)?.partitions ?? [] });
        break;
      case 'partition': {
        const { type: _type, topic, ...state } = record;
        const known = this.topics.get(topic);
        if (known) known.partitions[state.partition] = state;
        break;
      }
    }
  }

  topic(name: string): TopicState | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Brokers that are registered and not fenced: the ones that may lead or be in an ISR. */
  liveBrokers(): BrokerRegistration[] {
    return [...this.brokers.values()].filter((broker) => !broker.fenced).sort((a, b) => a.id - b.id);
  }

  isLive(id: number): boolean {
    const broker = this.brokers.get(id);
    return broker !== undefined && !broker.fenced;
  }
}
