// Kafka's consumer, without a group yet (groups arrive in step 06).
//
// It reads every partition of the topics it subscribes to. For each partition it keeps a
// POSITION: the offset of the next record to hand out. The broker remembers nothing about it:
// reading does not remove records from the log, so any number of consumers can read the same
// topic, each at its own position. A partition without a position yet (a new consumer), or whose
// position is no longer in the log (retention deleted it), starts where `autoOffsetReset` says:
// the first offset still kept (earliest) or the next one to be written (latest, Kafka's default).
//
// Iteration fetches from each partition's leader and hands out the records one by one. When
// there is nothing new, the fetch waits at the broker (long polling, see delayed-fetch.ts)
// instead of asking again and again.
import { Cluster } from './cluster.ts';
import { bytesDeserializer, type Deserializer } from './deserializers.ts';
import { KafkaError } from '../common/errors.ts';
import { FetchBuffer } from './fetch-buffer.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../protocol/index.ts';
import type { FetchedPartition, FetchPartition, WireRecordWithOffset } from '../protocol/index.ts';

export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> {
  /** Brokers to ask for metadata first, as "host:port"; Kafka's `bootstrap.servers`. */
  bootstrapServers: string[];
  /** Where a partition without a valid position starts; Kafka's `auto.offset.reset` ('latest'). */
  autoOffsetReset?: 'earliest' | 'latest';
  /** Iteration ends after this long without a record; kafka-python's `consumer_timeout_ms` (forever). */
  consumerTimeoutMs?: number;
  /** Turns a key's bytes back into a value; Kafka's `key.deserializer`. Bytes as they are by default. */
  keyDeserializer?: Deserializer<K>;
  /** Turns a value's bytes back into a value; Kafka's `value.deserializer`. */
  valueDeserializer?: Deserializer<V>;
  /** How long the broker may hold a fetch that has nothing new; Kafka's `fetch.max.wait.ms` (500). */
  fetchMaxWaitMs?: number;
  /** Bytes a fetch waits for before it is answered; Kafka's `fetch.min.bytes` (1). */
  fetchMinBytes?: number;
  /** At most about this many bytes per partition per fetch; Kafka's `max.partition.fetch.bytes` (1 MiB). */
  maxPartitionFetchBytes?: number;
  /** Where to print offset resets and other events; silent unless given. */
  log?: (line: string) => void;
}

/** One record as iteration hands it out; kafka-python's ConsumerRecord. */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  topic: string;
  partition: number;
  offset: number;
  key: K;
  value: V;
  /** Milliseconds since the epoch, as the producer set it. */
  timestamp: number;
  /** In the order they were sent; a key may appear more than once. */
  headers: Array<{ key: string; value: Buffer | null }>;
}

/** A record whose key or value the deserializer could not read. */
export class DeserializationError extends Error {
  override name = 'DeserializationError';
}

export const CONSUMER_DEFAULTS = {
  autoOffsetReset: 'latest',
  consumerTimeoutMs: Infinity,
  fetchMaxWaitMs: 500,
  fetchMinBytes: 1,
  maxPartitionFetchBytes: 1_048_576,
  /** Bytes per fetch response over all partitions; Kafka's `fetch.max.bytes` (50 MiB). */
  fetchMaxBytes: 52_428_800,
} as const;

/** A fetched record waiting to be handed out, still as bytes. */
interface Fetched {
  topic: string;
  partition: number;
  record: WireRecordWithOffset;
}

export class KafkaConsumer<K = Buffer | null, V = Buffer | null> {
  /** The topics subscribed to. */
  readonly topics: string[];
  private readonly autoOffsetReset: 'earliest' | 'latest';
  private readonly consumerTimeoutMs: number;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private readonly fetchMaxWaitMs: number;
  private readonly fetchMinBytes: number;
  private readonly maxPartitionFetchBytes: number;
  private readonly log: (line: string) => void;
  /** The brokers, the partitions' leaders and a connection to each broker (see cluster.ts). */
  private readonly cluster: Cluster;
  /** Every partition of the subscribed topics, by "topic-partition": without a group, all of them are ours. */
  private readonly partitions = new Map<string, TopicPartition>();
  private metadata: Promise<void> | null = null;
  /** Each partition's position: the offset of the next record to hand out; null until reset. */
  private readonly positions = new Map<string, number | null>();
  /** Records fetched and not handed out yet, in order within each partition. */
  private buffered = new FetchBuffer<Fetched>();
  private closed = false;

  constructor(topics: string | string[], options: ConsumerOptions<K, V>) {
    this.topics = typeof topics === 'string' ? [topics] : [...topics];
    if (this.topics.length === 0) throw new Error('subscribe to at least one topic: new KafkaConsumer("numtest", { … })');
    this.cluster = new Cluster(options.bootstrapServers);
    this.autoOffsetReset = options.autoOffsetReset ?? CONSUMER_DEFAULTS.autoOffsetReset;
    if (this.autoOffsetReset !== 'earliest' && this.autoOffsetReset !== 'latest') {
      throw new Error(`autoOffsetReset is 'earliest' or 'latest', not ${JSON.stringify(this.autoOffsetReset)}`);
    }
    this.consumerTimeoutMs = options.consumerTimeoutMs ?? CONSUMER_DEFAULTS.consumerTimeoutMs;
    this.keyDeserializer = options.keyDeserializer ?? (bytesDeserializer as Deserializer<K>);
    this.valueDeserializer = options.valueDeserializer ?? (bytesDeserializer as Deserializer<V>);
    this.fetchMaxWaitMs = options.fetchMaxWaitMs ?? CONSUMER_DEFAULTS.fetchMaxWaitMs;
    this.fetchMinBytes = options.fetchMinBytes ?? CONSUMER_DEFAULTS.fetchMinBytes;
    this.maxPartitionFetchBytes = options.maxPartitionFetchBytes ?? CONSUMER_DEFAULTS.maxPartitionFetchBytes;
    this.log = options.log ?? (() => {});
  }

  /** The partitions this consumer reads: every partition of its topics, once metadata is known. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()];
  }

  /** Makes `offset` the next record handed out from this partition (the next fetch starts there). */
  seek({ topic, partition }: TopicPartition, offset: number): void {
    if (!this.topics.includes(topic)) throw new Error(`seek() on "${topic}", which this consumer does not subscribe to (it reads ${this.topics.join(', ')})`);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`seek() needs an offset from 0 up, got ${offset}`);
    const key = keyOf(topic, partition);
    this.positions.set(key, offset);
    // Records already fetched for this partition were read from the old position: drop them.
    this.buffered = this.buffered.filter((fetched) => keyOf(fetched.topic, fetched.partition) !== key);
  }

  /** The offset of the next record this partition will hand out (found with autoOffsetReset if needed). */
  async position({ topic, partition }: TopicPartition): Promise<number> {
    await this.loadMetadata();
    const key = keyOf(topic, partition);
    if (!this.partitions.has(key)) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${key} is not one of this consumer's partitions (${this.assignment().map((tp) => keyOf(tp.topic, tp.partition)).join(', ')})`);
    await this.resetPositions();
    return this.positions.get(key)!;
  }

  /** Iterates over records as they arrive: `for await (const message of consumer)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    // #region iterate
    //> step 05 task 5: KafkaConsumer iteration — hand out buffered records; when none, fetch (waiting at most what is left of consumerTimeoutMs); stop when that time is up or on close()
    let idleSince = Date.now();
    while (!this.closed) {
      const next = this.buffered.shift();
      if (next) {
        yield this.deliver(next);
        idleSince = Date.now(); // the wait for the next record starts when it is asked for
        continue;
      }
      const timeLeft = idleSince + this.consumerTimeoutMs - Date.now();
      if (timeLeft <= 0) return; // consumerTimeoutMs without a record: the loop ends
      await this.fetchOnce(Math.min(this.fetchMaxWaitMs, timeLeft));
    }
    //<
    // #endregion iterate
  }

  /** Deserializes one record and moves its partition's position past it. */
  private deliver({ topic, partition, record }: Fetched): ConsumerRecord<K, V> {
    const bytes = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64'));
    //> step 05 task 5: KafkaConsumer.deliver — deserialize key and value (a failure is a DeserializationError naming topic, partition and offset), advance the position, return the message
    const read = <T>(deserializer: Deserializer<T>, what: 'key' | 'value'): T => {
      try {
        return deserializer(bytes(record[what]), topic);
      } catch (error) {
        // The position stays on this record; seek() past it to go on.
        this.buffered = this.buffered.filter((other) => other.topic !== topic || other.partition !== partition);
        throw new DeserializationError(`could not deserialize the ${what} of ${topic}-${partition} offset ${record.offset} with the ${what}Deserializer: ${(error as Error).message}`, { cause: error });
      }
    };
    const key = read(this.keyDeserializer, 'key');
    const value = read(this.valueDeserializer, 'value');
    this.positions.set(keyOf(topic, partition), record.offset + 1);
    const headers = record.headers.map((header) => ({ key: header.key, value: bytes(header.value) }));
    return { topic, partition, offset: record.offset, key, value, timestamp: record.timestamp, headers };
    //<
  }

  /** One fetch from every leader; the records it brings join the buffer. */
  private async fetchOnce(maxWaitMs: number): Promise<void> {
    await this.loadMetadata();
    await this.resetPositions();
    //> step 05 task 5: KafkaConsumer.fetchOnce — one fetch per leader for its partitions at their positions, then take() each partition of each answer
    // #region fetch-once
    const byLeader = new Map<number, FetchPartition[]>();
    for (const [key, { topic, partition }] of this.partitions) {
      const offset = this.positions.get(key)!;
      const leader = this.cluster.leaderOf(topic, partition) ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { topic, partition, offset, maxBytes: this.maxPartitionFetchBytes }]);
    }
    // Kafka keeps one fetch in flight per broker and uses whichever answers first; with every
    // partition on one broker (until step 07), waiting for all of them is the same thing.
    const answers = await Promise.all(
      [...byLeader].map(async ([leader, partitions]) => {
        const request = { type: 'fetch' as const, maxWaitMs, minBytes: this.fetchMinBytes, maxBytes: CONSUMER_DEFAULTS.fetchMaxBytes, partitions };
        try {
          return { partitions, response: await this.cluster.connectionToBroker(leader).request(request) };
        } catch (error) {
          if (this.closed) return null; // close() during a long poll: nothing more to fetch
          throw error;
        }
      }),
    );
    // #endregion fetch-once
    for (const answer of answers) {
      if (!answer) continue;
      answer.response.partitions.forEach((fetched, i) => this.take(fetched, answer.partitions[i]!.offset));
    }
    //<
  }

  /** Buffers one partition's fetched records, or deals with its error. */
  private take(fetched: FetchedPartition, fetchedFrom: number): void {
    const key = keyOf(fetched.topic, fetched.partition);
    // A seek() while the fetch was on its way: these records come from the old position.
    if (this.positions.get(key) !== fetchedFrom) return;
    if (fetched.error?.code === 'OFFSET_OUT_OF_RANGE') {
      //> step 05 task 5: KafkaConsumer.take — an out-of-range position is forgotten (set to null) so the next fetch resets it; log why
      this.log(`Offset ${fetchedFrom} is out of range for ${key} (it holds ${fetched.logStartOffset} to ${fetched.highWatermark - 1}): resetting to ${this.autoOffsetReset}`);
      this.positions.set(key, null);
      //<
      return;
    }
    if (fetched.error) throw new KafkaError(fetched.error.code, `fetching ${key}: ${fetched.error.message}`);
    for (const record of fetched.records) this.buffered.push({ topic: fetched.topic, partition: fetched.partition, record });
  }

  /** Gives every partition without a position the one autoOffsetReset says, asking each leader. */
  private async resetPositions(): Promise<void> {
    const missing = [...this.partitions].filter(([key]) => this.positions.get(key) == null).map(([, tp]) => ({ ...tp, leader: this.cluster.leaderOf(tp.topic, tp.partition) ?? -1 }));
    if (missing.length === 0) return;
    //> step 05 task 4: KafkaConsumer.resetPositions — ask each leader (listOffsets) for the earliest (-2) or latest (-1) offset of its partitions and make it their position
    const timestamp = this.autoOffsetReset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP;
    for (const leader of new Set(missing.map((tp) => tp.leader))) {
      const partitions = missing.filter((tp) => tp.leader === leader).map(({ topic, partition }) => ({ topic, partition, timestamp }));
      const response = await this.cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions });
      for (const { topic, partition, offset, error } of response.partitions) {
        if (error) throw new KafkaError(error.code, `finding the ${this.autoOffsetReset} offset of ${topic}-${partition}: ${error.message}`);
        this.positions.set(keyOf(topic, partition), offset);
        this.log(`Resetting the position of ${topic}-${partition} to offset ${offset} (${this.autoOffsetReset})`);
      }
    }
    //<
  }

  /** The subscribed topics' partitions, asked once (the cluster remembers their leaders). */
  private loadMetadata(): Promise<void> {
    this.metadata ??= this.fetchMetadata().catch((error: unknown) => {
      this.metadata = null; // a failure is not remembered: ask again next time
      throw error;
    });
    return this.metadata;
  }

  private async fetchMetadata(): Promise<void> {
    const response = await this.cluster.refreshMetadata(this.topics);
    for (const topic of response.topics) {
      if (topic.error) throw new KafkaError(topic.error.code, `topic "${topic.name}": ${topic.error.message}`);
      for (const { partition } of topic.partitions) {
        const key = keyOf(topic.name, partition);
        this.partitions.set(key, { topic: topic.name, partition });
        if (!this.positions.has(key)) this.positions.set(key, null); // a seek() before this keeps its offset
      }
    }
  }

  /** Ends iteration (a waiting fetch is abandoned) and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.cluster.close();
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
