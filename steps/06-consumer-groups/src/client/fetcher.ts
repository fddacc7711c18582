// The consumer's requests to the partitions' leaders (Kafka's Fetcher, with its OffsetFetcher).
//
// The consumer owns the positions; the fetcher reads them to build each fetch, buffers the
// records that come back, and sets a position where there is none: it asks the leader for the
// earliest or latest offset, as `autoOffsetReset` says. It never moves a position past a record:
// that happens when the consumer hands the record out. It also finds where a time begins in a
// partition (offsetsForTimes), with the same ListOffsets request.
import type { Cluster } from './cluster.ts';
import { CONSUMER_DEFAULTS } from './consumer-config.ts';
import { KafkaError } from '../common/errors.ts';
import { FetchBuffer } from './fetch-buffer.ts';
import { keyOf, type TopicPartition } from '../common/topic-partition.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/index.ts';
import type { FetchedPartition, FetchPartition, WireRecordWithOffset } from '../protocol/index.ts';

export interface FetcherOptions {
  autoOffsetReset: 'earliest' | 'latest';
  fetchMinBytes: number;
  maxPartitionFetchBytes: number;
  log: (line: string) => void;
}

/** Kafka's OffsetAndTimestamp: the first record at or after a time, and that record's own timestamp. */
export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

/** A fetched record waiting to be handed out, still as bytes. */
export interface Fetched {
  topic: string;
  partition: number;
  record: WireRecordWithOffset;
}

export class Fetcher {
  /** Records fetched and not handed out yet, in order within each partition. */
  private buffered = new FetchBuffer<Fetched>();
  private closed = false;

  constructor(
    /** The brokers, the partitions' leaders and a connection to each broker (see cluster.ts). */
    private readonly cluster: Cluster,
    /** The consumer's partitions, by "topic-partition". */
    private readonly partitions: ReadonlyMap<string, TopicPartition>,
    /** The consumer's positions: the offset of the next record to hand out; null until reset. */
    private readonly positions: Map<string, number | null>,
    private readonly options: FetcherOptions,
  ) {}

  /** The next record to hand out, if one has been fetched. */
  next(): Fetched | undefined {
    return this.buffered.shift();
  }

  /** Forgets the records fetched for one partition (after a seek(), they come from the old position). */
  drop(key: string): void {
    this.buffered = this.buffered.filter((fetched) => keyOf(fetched.topic, fetched.partition) !== key);
  }

  /** Forgets every record fetched: the partitions they came from may be another member's now. */
  clear(): void {
    this.buffered = new FetchBuffer();
  }

  /** One fetch from every leader; the records it brings join the buffer. */
  async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.resetPositions();
    const byLeader = new Map<number, FetchPartition[]>();
    // Only the partitions this consumer owns have a position: all of them without a group, its share with one.
    for (const [key, offset] of this.positions) {
      const { topic, partition } = this.partitions.get(key)!;
      const leader = this.cluster.leaderOf(topic, partition) ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset: offset!, maxBytes: this.options.maxPartitionFetchBytes }]);
    }
    // Kafka keeps one fetch in flight per broker and uses whichever answers first; with every
    // partition on one broker (until step 07), waiting for all of them is the same thing.
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const request = { type: 'fetch' as const, maxWaitMs, minBytes: this.options.fetchMinBytes, maxBytes: CONSUMER_DEFAULTS.fetchMaxBytes, partitions };
        try {
          return { partitions, response: await this.cluster.connectionToBroker(leader).request(request) };
        } catch (error) {
          if (this.closed) return null; // close() during a long poll: nothing more to fetch
          throw error;
        }
      }),
    );
    for (const answer of answers) {
      if (!answer) continue;
      answer.response.partitions.forEach((fetched, i) => this.take(fetched, answer.partitions[i]!.offset));
    }
  }

  /** Buffers one partition's fetched records, or deals with its error. */
  private take(fetched: FetchedPartition, fetchedFrom: number): void {
    const key = keyOf(fetched.topic, fetched.partition);
    // A seek() while the fetch was on its way: these records come from the old position.
    if (this.positions.get(key) !== fetchedFrom) return;
    if (fetched.error?.code === 'OFFSET_OUT_OF_RANGE') {
      this.options.log(`Offset ${fetchedFrom} is out of range for ${key} (it holds ${fetched.logStartOffset} to ${fetched.highWatermark - 1}): resetting to ${this.options.autoOffsetReset}`);
      this.positions.set(key, null);
      return;
    }
    if (fetched.error) throw new KafkaError(fetched.error.code, `fetching ${key}: ${fetched.error.message}`);
    for (const record of fetched.records) this.buffered.push({ topic: fetched.topic, partition: fetched.partition, record });
  }

  /** Gives every partition without a position the one autoOffsetReset says, asking each leader. */
  async resetPositions(): Promise<void> {
    const missing = [...this.positions].filter(([, offset]) => offset === null).map(([key]) => this.partitions.get(key)!).map((tp) => ({ ...tp, leader: this.cluster.leaderOf(tp.topic, tp.partition) ?? -1 }));
    if (missing.length === 0) return;
    const { autoOffsetReset } = this.options;
    const timestamp = autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const leader of new Set(missing.map((tp) => tp.leader))) {
      const partitions = missing.filter((tp) => tp.leader === leader).map(({ topic, partition }) => ({ topic, partition, timestamp }));
      const response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      for (const { topic, partition, offset, error } of response.partitions) {
        if (error) throw new KafkaError(error.code, `finding the ${autoOffsetReset} offset of ${topic}-${partition}: ${error.message}`);
        this.positions.set(keyOf(topic, partition), offset);
        this.options.log(`Resetting the position of ${topic}-${partition} to offset ${offset} (${autoOffsetReset})`);
      }
    }
  }

  /**
   * For each partition, its first record at or after the time asked, from its leader (Kafka's
   * OffsetFetcher.offsetsForTimes): null where no record is that late.
   */
  async offsetsForTimes(query: Array<TopicPartition & { timestamp: number }>): Promise<Array<TopicPartition & { found: OffsetAndTimestamp | null }>> {
    const leaderOf = ({ topic, partition }: TopicPartition) => this.cluster.leaderOf(topic, partition) ?? -1;
    const answers: Array<TopicPartition & { found: OffsetAndTimestamp | null }> = [];
    for (const leader of new Set(query.map(leaderOf))) {
      const partitions = query.filter((tp) => leaderOf(tp) === leader).map(({ topic, partition, timestamp }) => ({ topic, partition, timestamp }));
      const response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      for (const { topic, partition, offset, timestamp, error } of response.partitions) {
        if (error) throw new KafkaError(error.code, `finding where a time begins in ${topic}-${partition}: ${error.message}`);
        answers.push({ topic, partition, found: offset >= 0 ? { offset, timestamp } : null });
      }
    }
    return answers;
  }

  /** A fetch waiting at a broker is abandoned: its failure (the connection closing) is not an error. */
  close(): void {
    this.closed = true;
  }
}
