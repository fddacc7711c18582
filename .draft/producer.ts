// DRAFT of step 03's producer.ts (to be fitted into step 02's producer once it lands).
import { Connection } from './connection.ts';
import { KafkaError } from './errors.ts';
import { defaultPartitioner, type Partitioner } from './partitioner.ts';
import { RecordAccumulator, type ProducerBatch, type SerializedRecord } from './record-accumulator.ts';
import type { RecordMetadata } from './record-metadata.ts';
import { bytesSerializer, type Serializer } from './serializers.ts';

export interface ProducerOptions {
  bootstrapServers: string[];
  keySerializer?: Serializer<any>;
  valueSerializer?: Serializer<any>;
  partitioner?: Partitioner;
  batchSize?: number;
  lingerMs?: number;
  log?: (line: string) => void;
}

export interface ProducerRecord<K = unknown, V = unknown> {
  key?: K | null;
  value?: V | null;
  /** Send to this partition, whatever the key says. */
  partition?: number;
  /** ms since the epoch; send() time when not given (Kafka's CreateTime). */
  timestamp?: number;
  headers?: Record<string, string | Buffer | null>;
}

interface TopicMetadata { name: string; partitions: Array<{ partition: number; leader: number }> }
interface BrokerInfo { id: number; host: string; port: number }

export class KafkaProducer {
  private readonly bootstrap: Array<{ host: string; port: number }>;
  private readonly keySerializer: Serializer<any>;
  private readonly valueSerializer: Serializer<any>;
  private readonly partitioner: Partitioner;
  private readonly accumulator: RecordAccumulator;
  private readonly log: (line: string) => void;
  /** What the cluster told us: brokers by id, and each topic's partitions with their leader. */
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, Promise<TopicMetadata>>();
  /** One connection per broker, "host:port" → connection, reused by every request. */
  private readonly connections = new Map<string, Connection>();
  private closed = false;

  constructor(options: ProducerOptions) {
    this.bootstrap = options.bootstrapServers.map(parseAddress);
    this.keySerializer = options.keySerializer ?? bytesSerializer;
    this.valueSerializer = options.valueSerializer ?? bytesSerializer;
    this.accumulator = new RecordAccumulator({
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      send: (batches) => this.sendBatches(batches),
    });
    this.partitioner = options.partitioner ?? defaultPartitioner({ batchSize: this.accumulator.batchSize });
    this.log = options.log ?? (() => {});
  }

  // #region send
  /** Serializes the record, picks its partition and leaves it in the accumulator. */
  async send<K, V>(topic: string, record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    if (this.closed) throw new Error('send() on a closed producer: create a new KafkaProducer');
    const key = serialize(this.keySerializer, record.key ?? null, topic, 'key');
    const value = serialize(this.valueSerializer, record.value ?? null, topic, 'value');
    const headers = Object.entries(record.headers ?? {}).map(([name, data]) => ({
      key: name,
      value: data === null ? null : Buffer.from(data),
    }));
    const timestamp = record.timestamp ?? Date.now();
    const { partitions } = await this.metadataFor(topic);
    const numPartitions = partitions.length;
    let partition = record.partition;
    if (partition === undefined) partition = this.partitioner({ topic, key, value, numPartitions });
    if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} is not in the range [0...${numPartitions}) of topic "${topic}"`);
    }
    return this.accumulator.append(topic, partition, { key, value, timestamp, headers });
  }
  // #endregion send

  /** Sends everything waiting and resolves when every record sent so far has its answer. */
  async flush(): Promise<void> {
    await this.accumulator.flush();
  }

  /** Flushes, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.accumulator.flush();
    for (const connection of this.connections.values()) await connection.close();
    this.connections.clear();
  }

  // #region metadata
  /** The topic's partitions and leaders, asked once of a bootstrap server and then remembered. */
  private metadataFor(topic: string): Promise<TopicMetadata> {
    let known = this.topics.get(topic);
    if (!known) {
      known = this.fetchMetadata(topic);
      // A failure is not remembered: the next send asks again.
      known.catch(() => this.topics.delete(topic));
      this.topics.set(topic, known);
    }
    return known;
  }

  private async fetchMetadata(topic: string): Promise<TopicMetadata> {
    const response = await this.requestAnyBootstrap({ type: 'metadata', topics: [topic] });
    for (const broker of response.brokers) this.brokers.set(broker.id, broker);
    const found = response.topics.find((t) => t.name === topic);
    if (!found) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `the broker returned no metadata for topic "${topic}"`);
    if (found.error) throw new KafkaError(found.error.code, found.error.message);
    return found;
  }
  // #endregion metadata

  // #region sender
  /** The accumulator's sender: one produce request per leader broker, carrying all its batches. */
  private sendBatches(batches: ProducerBatch[]): void {
    const byLeader = new Map<number, ProducerBatch[]>();
    for (const batch of batches) {
      const leader = this.leaders.get(`${batch.topic}-${batch.partition}`) ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), batch]);
    }
    for (const [leader, group] of byLeader) void this.produce(leader, group);
  }

  /** Sends one produce request and settles each batch with its own result. */
  private async produce(leader: number, batches: ProducerBatch[]): Promise<void> {
    try {
      const broker = this.brokers.get(leader);
      if (!broker) throw new KafkaError('LEADER_NOT_AVAILABLE', `no known broker leads ${batches[0]!.topic}-${batches[0]!.partition}`);
      const connection = this.connectionTo(broker);
      const response = await connection.request({ type: 'produce', acks: 1, batches: batches.map(toWire) });
      batches.forEach((batch, i) => {
        const result = response.results[i];
        if (!result) batch.fail(new KafkaError('INVALID_REQUEST', `the broker sent no result for ${batch.topic}-${batch.partition}`));
        else if (result.error) batch.fail(new KafkaError(result.error.code, result.error.message));
        else batch.complete(result.baseOffset);
      });
      this.log(`Sent ${batches.length} batch(es) to ${broker.host}:${broker.port}: ...`);
    } catch (error) {
      // The whole request failed (connection lost, broker stopped): every batch in it fails.
      for (const batch of batches) batch.fail(error as Error);
    }
  }
  // #endregion sender
}

function serialize(serializer: Serializer<any>, data: unknown, topic: string, what: 'key' | 'value'): Buffer | null {
  try {
    return serializer(data, topic);
  } catch (error) {
    throw new SerializationError(`could not serialize the ${what} of a record for topic "${topic}" with the ${what}Serializer: ${(error as Error).message}`, { cause: error });
  }
}

export class SerializationError extends Error {
  override name = 'SerializationError';
}

function toWire(batch: ProducerBatch) {
  return {
    topic: batch.topic,
    partition: batch.partition,
    records: batch.records.map((record) => ({
      key: record.key?.toString('base64') ?? null,
      value: record.value?.toString('base64') ?? null,
      timestamp: record.timestamp,
      headers: record.headers.map((header) => ({ key: header.key, value: header.value?.toString('base64') ?? null })),
    })),
  };
}
