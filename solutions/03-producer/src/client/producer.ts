// Kafka's producer: send() serializes the record, picks its partition and leaves it in the
// record accumulator; the accumulator hands full or lingering batches to the sender, which
// sends each broker its batches in one produce request; every send() then settles with the
// offset its record got, or with the error its batch got.
//
// Step 02's producer sent one message per request to a random broker. Now the partition decides
// the broker (its leader, learnt from metadata), and one request carries many records.
import { Cluster } from './cluster.ts';
import { KafkaError } from '../common/errors.ts';
import { defaultPartitioner, type Partitioner } from './partitioner.ts';
import type { WireBatch } from '../protocol/index.ts';
import { RecordAccumulator, type ProducerBatch } from './record-accumulator.ts';
import type { RecordMetadata } from './record-metadata.ts';
import { bytesSerializer, type Serializer } from './serializers.ts';

//> step 03 rewrites: Kafka's producer options and records replace step 02's
export interface ProducerOptions {
  /** Brokers to ask for metadata first, as "host:port"; Kafka's `bootstrap.servers`. */
  bootstrapServers: string[];
  /** Turns a key into bytes; Kafka's `key.serializer`. Bytes or strings as they are by default. */
  keySerializer?: Serializer<any>;
  /** Turns a value into bytes; Kafka's `value.serializer`. */
  valueSerializer?: Serializer<any>;
  /** Picks the partition of a record that names none; Kafka's `partitioner.class`. */
  partitioner?: Partitioner;
  /** Bytes after which a partition's batch is sent; Kafka's `batch.size` (16384). */
  batchSize?: number;
  /** How long a batch waits for more records; Kafka's `linger.ms` (5). */
  lingerMs?: number;
  /** Where to print each request sent; silent unless given (the demo passes console.log). */
  log?: (line: string) => void;
}

export interface ProducerRecord<K = unknown, V = unknown> {
  key?: K | null;
  value?: V | null;
  /** Send to this partition, whatever the key says. */
  partition?: number;
  /** Milliseconds since the epoch; the time of send() when not given (Kafka's CreateTime). */
  timestamp?: number;
  headers?: Record<string, string | Buffer | null>;
}

/** A send() that could not even start: its key or value did not serialize. */
export class SerializationError extends Error {
  override name = 'SerializationError';
}

export class KafkaProducer {
  /** The brokers, the partitions' leaders and a connection to each broker (shared code, see cluster.ts). */
  private readonly cluster: Cluster;
  private readonly keySerializer: Serializer<any>;
  private readonly valueSerializer: Serializer<any>;
  private readonly partitioner: Partitioner;
  private readonly accumulator: RecordAccumulator;
  /** Sends on their way into the accumulator (waiting for metadata): flush() waits for them too. */
  private readonly appending = new Set<Promise<unknown>>();
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(options: ProducerOptions) {
    this.cluster = new Cluster(options.bootstrapServers);
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
  /**
   * Sends a record: resolves with where it was written once the broker has it, or rejects with
   * why it could not be (its own serialization error, or its batch's error).
   */
  send<K, V>(topic: string, record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    const appended = this.append(topic, record);
    this.appending.add(appended);
    const forget = () => this.appending.delete(appended);
    appended.then(forget, forget);
    return appended.then(({ sent }) => sent);
  }

  /** Serializes the record, picks its partition and leaves it in the accumulator. */
  private async append<K, V>(topic: string, record: ProducerRecord<K, V>): Promise<{ sent: Promise<RecordMetadata> }> {
  //<
    //> step 03 task 6: KafkaProducer.append — serialize key and value, learn the topic's partitions, pick the partition (explicit, else the partitioner), check it, and append to the accumulator
    if (this.closed) throw new Error('send() on a closed producer: create a new KafkaProducer');
    const key = serialize(this.keySerializer, record.key ?? null, topic, 'key');
    const value = serialize(this.valueSerializer, record.value ?? null, topic, 'value');
    const headers = Object.entries(record.headers ?? {}).map(([name, data]) => ({ key: name, value: data === null ? null : Buffer.from(data) }));
    const timestamp = record.timestamp ?? Date.now();
    const numPartitions = (await this.cluster.topic(topic)).partitions.length;
    const partition = record.partition ?? this.partitioner({ topic, key, value, numPartitions });
    if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} is not one of the ${numPartitions} partitions (0 to ${numPartitions - 1}) of topic "${topic}"`);
    }
    // Wrapped in an object: an async function returning a promise would wait for it.
    return { sent: this.accumulator.append(topic, partition, { key, value, timestamp, headers }) };
    //<
  //> step 03 given
  }
  // #endregion send

  /** Sends everything waiting and resolves when every record sent so far has its answer. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.appending]);
    await this.accumulator.flush();
  }

  /** The accumulator's sender: the ready batches, grouped by the broker that leads their partition. */
  private sendBatches(batches: ProducerBatch[]): void {
    const byLeader = new Map<number, ProducerBatch[]>();
    for (const batch of batches) {
      const leader = this.cluster.leaderOf(batch.topic, batch.partition) ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), batch]);
    }
    for (const [leader, group] of byLeader) {
      // produce() settles its batches itself; this catch is for a bug (or a TODO) inside it, so
      // that the sends still fail with that error instead of waiting forever.
      this.produce(leader, group).catch((error: Error) => group.forEach((batch) => batch.fail(error)));
    }
  }

  /** Sends one produce request to a broker and settles each of its batches with its own result. */
  private async produce(leader: number, batches: ProducerBatch[]): Promise<void> {
  //<
    //> step 03 task 6: KafkaProducer.produce — send the batches in one produce request to their leader, then complete or fail each batch with its own result; if the request fails, fail them all
    try {
      const connection = this.cluster.connectionToBroker(leader);
      // #region sender
      const response = await connection.request({ type: 'produce', acks: 1, batches: batches.map(toWire) });
      // One result per batch, in order: each batch settles with its own, and only its records see it.
      batches.forEach((batch, i) => {
        const result = response.results[i];
        if (!result) batch.fail(new KafkaError('INVALID_REQUEST', `the broker sent no result for ${batch.topic}-${batch.partition}`));
        else if (result.error) batch.fail(new KafkaError(result.error.code, result.error.message));
        else batch.complete(result.baseOffset);
      });
      // #endregion sender
      const records = batches.reduce((sum, batch) => sum + batch.records.length, 0);
      this.log(`Sent ${records} record(s) in ${batches.length} batch(es) to ${connection.address}`);
    } catch (error) {
      // The whole request failed (the connection dropped, the broker stopped): so does every batch in it.
      for (const batch of batches) batch.fail(error as Error);
    }
    //<
  //> step 03 rewrites: close() delivers what is waiting before it closes the cluster's connections
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // refuse new sends, but deliver the ones already made
    await this.flush();
    await this.cluster.close();
  }
}

function serialize(serializer: Serializer<any>, data: unknown, topic: string, what: 'key' | 'value'): Buffer | null {
  try {
    return serializer(data, topic);
  } catch (error) {
    throw new SerializationError(`could not serialize the ${what} of a record for topic "${topic}" with the ${what}Serializer: ${(error as Error).message}`, { cause: error });
  }
}

/** A batch as the produce request carries it: bytes as base64. */
function toWire(batch: ProducerBatch): WireBatch {
  const base64 = (bytes: Buffer | null) => bytes?.toString('base64') ?? null;
  return {
    topic: batch.topic,
    partition: batch.partition,
    records: batch.records.map((record) => ({
      key: base64(record.key),
      value: base64(record.value),
      timestamp: record.timestamp,
      headers: record.headers.map((header) => ({ key: header.key, value: base64(header.value) })),
    })),
  };
}
//<
