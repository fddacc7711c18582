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
import { isRetriable, isRetriableCode, sleep } from './retry.ts';
import type { FetchedPartition, FetchPartition } from '../protocol/index.ts';
import { decodeBatches, recordsFrom, type RecordWithOffset } from '../record/record-batch.ts';

export interface FetcherOptions {
  autoOffsetReset: 'earliest' | 'latest';
  fetchMinBytes: number;
  maxPartitionFetchBytes: number;
  log: (line: string) => void;
  /** The subscribed topics, whose metadata is asked again when a leader moved. */
  topics: string[];
  /** How long to wait before asking again after a leader moved; Kafka's `retry.backoff.ms`. */
  retryBackoffMs: number;
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
  record: RecordWithOffset;
}

export class Fetcher {
  /** Records fetched and not handed out yet, in order within each partition. */
  private buffered = new FetchBuffer<Fetched>();
  private closed = false;
  /** The fetch in flight to each broker, by broker id: at most one per broker, as Kafka's consumer. */
  private readonly fetches = new Map<number, Promise<void>>();
  /** The partitions those fetches ask for: a partition is in one fetch at a time, or its records would come twice. */
  private readonly fetching = new Set<string>();
  /** What went wrong in a fetch that settled while the iterator was not waiting for it; thrown by the next fetchOnce. */
  private fetchFailure: Error | null = null;
  /** Set when a leader turned out to be wrong or gone: the next fetch asks for fresh metadata first. */
  private leadersStale = false;

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

  /**
   * Sends a fetch to every leader that has none in flight, for its partitions at their positions,
   * and waits for the first fetch to be answered; the records it brings join the buffer.
   */
  async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.refreshLeadersIfStale();
    await this.resetPositions();
    // A fetch answered while this one got ready (the awaits before it) has filled the buffer: hand
    // those records out first. Asking now would fetch their partitions again from positions
    // those records have not moved yet, and the same records would be handed out twice.
    if (this.buffered.length > 0) return;
    const byLeader = new Map<number, FetchPartition[]>();
    // Only the partitions this consumer owns have a position: all of them without a group, its share with one.
    for (const [key, offset] of this.positions) {
      if (offset === null) continue; // its leader could not say where to start yet: next time
      if (this.fetching.has(key)) continue;
      const { topic, partition } = this.partitions.get(key)!;
      const leader = this.cluster.leaderOf(topic, partition);
      if (leader === undefined) {
        this.leaderLost(key, 'it has no leader right now');
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset, maxBytes: this.options.maxPartitionFetchBytes }]);
    }
    // A broker with nothing new holds its fetch for up to maxWaitMs (long polling). Waiting for
    // every broker's answer would hold back the records another broker has had all along, so
    // each fetch is taken as it comes, and the iterator hands out whatever arrived first.
    for (const [leader, partitions] of byLeader) {
      if (this.fetches.has(leader)) continue;
      const keys = partitions.map(({ topic, partition }) => keyOf(topic, partition));
      const request = { type: 'fetch' as const, maxWaitMs, minBytes: this.options.fetchMinBytes, maxBytes: CONSUMER_DEFAULTS.fetchMaxBytes, partitions };
      for (const key of keys) this.fetching.add(key);
      const fetch = this.cluster
        .connectionToBroker(leader)
        .request(request)
        .then((response) => response.partitions.forEach((fetched, i) => this.take(fetched, partitions[i]!.offset)))
        .catch((error: Error) => {
          if (this.closed) return; // close() during a long poll: nothing more to fetch
          // The broker went away (or will not answer): its partitions look for their new leader.
          if (isRetriable(error)) for (const key of keys) this.leaderLost(key, `fetching from broker ${leader} failed: ${error.message}`);
          else this.fetchFailure ??= error;
        })
        .finally(() => {
          this.fetches.delete(leader);
          for (const key of keys) this.fetching.delete(key);
        });
      this.fetches.set(leader, fetch);
    }
    if (this.fetches.size > 0) await Promise.race(this.fetches.values());
    const failure = this.fetchFailure;
    this.fetchFailure = null;
    if (failure) throw failure;
  }

  /** A partition's leader is wrong or gone: remember to refresh the metadata, and keep the position. */
  private leaderLost(key: string, why: string): void {
    if (!this.leadersStale) this.options.log(`Looking for the new leader of ${key} in ${this.options.retryBackoffMs} ms: ${why}`);
    this.leadersStale = true;
  }

  /**
   * After a leader was lost: waits retryBackoffMs (the controller needs a moment to elect a new
   * one), then asks for fresh metadata. A refresh that fails for a retriable reason (no broker
   * answered) leaves the flag set, to try again on the next fetch.
   */
  private async refreshLeadersIfStale(): Promise<void> {
    if (!this.leadersStale || this.closed) return;
    await sleep(this.options.retryBackoffMs);
    try {
      await this.cluster.refreshMetadata(this.options.topics);
      this.leadersStale = false;
    } catch (error) {
      if (!isRetriable(error)) throw error;
      this.options.log(`Could not refresh the metadata: ${(error as Error).message}`);
    }
  }

  /** Buffers one partition's fetched records, or deals with its error. */
  private take(fetched: FetchedPartition, fetchedFrom: number): void {
    const key = keyOf(fetched.topic, fetched.partition);
    // A seek() while the fetch was on its way: these records come from the old position.
    if (this.positions.get(key) !== fetchedFrom) return;
    if (fetched.error?.code === 'OFFSET_OUT_OF_RANGE') {
      this.options.log(`Offset ${fetchedFrom} is out of range for ${key} (its high watermark is ${fetched.highWatermark}): resetting to ${this.options.autoOffsetReset}`);
      this.positions.set(key, null);
      return;
    }
    if (fetched.error && isRetriableCode(fetched.error.code)) {
      // NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, a fenced epoch: ask the new leader, from the same position.
      this.leaderLost(key, `${fetched.error.code}: ${fetched.error.message}`);
      return;
    }
    if (fetched.error) throw new KafkaError(fetched.error.code, `fetching ${key}: ${fetched.error.message}`);
    // The stored batches, decoded here (the broker never decodes them); the first may start before our position.
    for (const record of recordsFrom(decodeBatches(fetched.records), fetchedFrom)) this.buffered.push({ topic: fetched.topic, partition: fetched.partition, record });
  }

  /**
   * Gives every partition without a position the one autoOffsetReset says, asking each leader. A
   * partition whose leader moved keeps no position for now; the next call asks its new leader.
   */
  async resetPositions(): Promise<void> {
    await this.refreshLeadersIfStale();
    const missing = [...this.positions].filter(([, offset]) => offset === null).map(([key]) => this.partitions.get(key)!).map((tp) => ({ ...tp, leader: this.cluster.leaderOf(tp.topic, tp.partition) }));
    if (missing.length === 0) return;
    const { autoOffsetReset } = this.options;
    const timestamp = autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const leader of new Set(missing.map((tp) => tp.leader))) {
      const asked = missing.filter((tp) => tp.leader === leader);
      if (leader === undefined) {
        for (const { topic, partition } of asked) this.leaderLost(keyOf(topic, partition), 'it has no leader right now');
        continue;
      }
      const partitions = asked.map(({ topic, partition }) => ({ topic, partition, timestamp }));
      let response;
      try {
        response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      } catch (error) {
        if (!isRetriable(error)) throw error;
        for (const { topic, partition } of partitions) this.leaderLost(keyOf(topic, partition), `asking broker ${leader} for offsets failed: ${(error as Error).message}`);
        continue;
      }
      for (const { topic, partition, offset, error } of response.partitions) {
        if (error && isRetriableCode(error.code)) {
          this.leaderLost(keyOf(topic, partition), `${error.code}: ${error.message}`);
          continue;
        }
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
      if (leader === -1) throw new KafkaError('LEADER_NOT_AVAILABLE', `${query.filter((tp) => leaderOf(tp) === -1).map((tp) => keyOf(tp.topic, tp.partition)).join(', ')} has no leader right now`);
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
