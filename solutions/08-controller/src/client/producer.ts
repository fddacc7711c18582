// Kafka's producer: send() serializes the record, picks its partition and leaves it in the
// record accumulator; the accumulator hands full or lingering batches to the sender, which
// sends each broker its batches in one produce request; every send() then settles with the
// offset its record got, or with the error its batch got.
//
// Step 02's producer sent one message per request to a random broker. Now the partition decides
// the broker (its leader, learnt from metadata), and one request carries many records.
//> step 08 given
//
// From step 08 leaders move, and a batch sent to the old one fails with NOT_LEADER_OR_FOLLOWER,
// or with a dropped connection when its broker died. The producer retries such a batch: it waits
// `retryBackoffMs`, refreshes the topic's metadata and sends the batch to the partition's leader
// of the moment, again and again until `deliveryTimeoutMs` after the batch was created. Only then
// does send() reject, with the last error. Other errors reject at once.
import { Cluster } from './cluster.ts';
import { KafkaError } from '../common/errors.ts';
import { defaultPartitioner, type Partitioner } from './partitioner.ts';
import type { ProduceResponse, WireBatch } from '../protocol/index.ts';
import type { Connection } from '../network/connection.ts';
import { RecordAccumulator, type ProducerBatch } from './record-accumulator.ts';
import type { RecordMetadata } from './record-metadata.ts';
import { gaveUp, isRetriable, RETRY_DEFAULTS, withRetries } from './retry.ts';
//<
import { bytesSerializer, type Serializer } from './serializers.ts';

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
  /**
   * Who must have a batch before send() resolves; Kafka's `acks`: 0 nobody (no answer is even
   * sent, and the offset is -1), 1 the leader, 'all' (or -1) every in-sync replica. 'all' by
   * default, as in Kafka since 3.0.
   */
  acks?: 0 | 1 | -1 | 'all';
  /** How long the broker may wait for the in-sync replicas before REQUEST_TIMED_OUT; Kafka's `request.timeout.ms` (30 s). */
  requestTimeoutMs?: number;
  //> step 08 given
  /**
   * How many times a batch that failed with a retriable error is sent again; Kafka's `retries`
   * (2147483647: in effect, until deliveryTimeoutMs runs out). 0 turns retrying off.
   */
  retries?: number;
  /** How long to wait before a retry, so that the cluster can elect a new leader meanwhile; Kafka's `retry.backoff.ms` (100). */
  retryBackoffMs?: number;
  /**
   * How long send() may take from the moment the record joins a batch: lingering, waiting its
   * turn, every attempt and every backoff. Then it rejects with the last error. Kafka's
   * `delivery.timeout.ms` (120 000); Kafka wants it at least lingerMs + requestTimeoutMs.
   */
  deliveryTimeoutMs?: number;
  //<
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
  /** -1 (all), 0 or 1, as the produce request carries it. */
  private readonly acks: number;
  private readonly requestTimeoutMs: number;
  //> step 08 given
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly deliveryTimeoutMs: number;

  constructor(options: ProducerOptions) {
    this.cluster = new Cluster(options.bootstrapServers);
    this.keySerializer = options.keySerializer ?? bytesSerializer;
    this.valueSerializer = options.valueSerializer ?? bytesSerializer;
    this.retries = wholeNumber('retries', options.retries ?? RETRY_DEFAULTS.retries);
    this.retryBackoffMs = wholeNumber('retryBackoffMs', options.retryBackoffMs ?? RETRY_DEFAULTS.retryBackoffMs);
    this.deliveryTimeoutMs = wholeNumber('deliveryTimeoutMs', options.deliveryTimeoutMs ?? RETRY_DEFAULTS.deliveryTimeoutMs);
    this.accumulator = new RecordAccumulator({
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      deliveryTimeoutMs: this.deliveryTimeoutMs,
      //<
      send: (batches) => this.sendBatches(batches),
    });
    this.partitioner = options.partitioner ?? defaultPartitioner({ batchSize: this.accumulator.batchSize });
    this.log = options.log ?? (() => {});
    const acks = options.acks ?? 'all';
    if (![0, 1, -1, 'all'].includes(acks)) throw new Error(`acks must be 0, 1 or 'all', not ${JSON.stringify(acks)}`);
    this.acks = acks === 'all' ? -1 : acks;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
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
    if (this.closed) throw new Error('send() on a closed producer: create a new KafkaProducer');
    const key = serialize(this.keySerializer, record.key ?? null, topic, 'key');
    const value = serialize(this.valueSerializer, record.value ?? null, topic, 'value');
    const headers = Object.entries(record.headers ?? {}).map(([name, data]) => ({ key: name, value: data === null ? null : Buffer.from(data) }));
    const timestamp = record.timestamp ?? Date.now();
    //> step 08 rewrites: a batch that fails with a retriable error is sent again to the current leader
    const numPartitions = (await this.topicMetadata(topic)).partitions.length;
    const partition = record.partition ?? this.partitioner({ topic, key, value, numPartitions });
    if (!Number.isInteger(partition) || partition < 0 || partition >= numPartitions) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} is not one of the ${numPartitions} partitions (0 to ${numPartitions - 1}) of topic "${topic}"`);
    }
    // Wrapped in an object: an async function returning a promise would wait for it.
    return { sent: this.accumulator.append(topic, partition, { key, value, timestamp, headers }) };
  }
  // #endregion send

  /**
   * The topic's metadata, to count its partitions. A retriable answer (LEADER_NOT_AVAILABLE while
   * a new topic gets its leaders) is asked again after retryBackoffMs, within deliveryTimeoutMs
   * (Kafka bounds this wait with `max.block.ms`). When no broker answers at all, send() rejects at
   * once: a wrong bootstrap address should not take two minutes to show.
   */
  private topicMetadata(topic: string) {
    const retriable = (error: unknown) => error instanceof KafkaError && isRetriable(error);
    const options = { backoffMs: this.retryBackoffMs, timeoutMs: this.deliveryTimeoutMs, retriable, log: this.log };
    return withRetries(`the metadata of topic "${topic}"`, options, () => this.cluster.topic(topic));
  }

  /** Sends everything waiting and resolves when every record sent so far has its answer. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.appending]);
    await this.accumulator.flush();
  }

  /** The accumulator's sender (and the retries'): the batches, grouped by the broker that leads their partition. */
  private sendBatches(batches: ProducerBatch[]): void {
    const byLeader = new Map<number, ProducerBatch[]>();
    for (const batch of batches) {
      const leader = this.cluster.leaderOf(batch.topic, batch.partition);
      if (leader === undefined) {
        // Nobody leads the partition right now (its leader died, the election is on): nothing to
        // send it to. That is not an attempt, only a wait for fresh metadata, as in Kafka.
        this.retryOrFail(batch, new KafkaError('LEADER_NOT_AVAILABLE', `${batch.topic}-${batch.partition} has no leader right now`));
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), batch]);
    }
    for (const [leader, group] of byLeader) {
      // produce() settles its batches itself; this catch is for a bug (or a TODO) inside it, so
      // that the sends still fail with that error instead of waiting forever.
      this.produce(leader, group).catch((error: Error) => group.forEach((batch) => batch.fail(error)));
    }
  }

  /** Sends one produce request to a broker and settles (or retries) each of its batches with its own result. */
  private async produce(leader: number, batches: ProducerBatch[]): Promise<void> {
    for (const batch of batches) batch.attempts += 1;
    //<
    try {
      const connection = this.cluster.connectionToBroker(leader);
      const response = await this.sendProduce(connection, batches);
      if (response === null) {
        // Nobody will answer: once the request is on its way, that is all the producer will ever know.
        for (const batch of batches) batch.complete(-1);
        return;
      }
      // One result per batch, in order: each batch settles with its own, and only its records see it.
      batches.forEach((batch, i) => {
        const result = response.results[i];
        if (!result) batch.fail(new KafkaError('INVALID_REQUEST', `the broker sent no result for ${batch.topic}-${batch.partition}`));
        //> step 08 rewrites
        else if (result.error) this.retryOrFail(batch, new KafkaError(result.error.code, result.error.message));
        else batch.complete(result.baseOffset);
      });
      const records = batches.reduce((sum, batch) => sum + batch.records.length, 0);
      this.log(`Sent ${records} record(s) in ${batches.length} batch(es) to ${connection.address}`);
    } catch (error) {
      // The whole request failed (the connection dropped, the broker stopped): so did every batch in it.
      for (const batch of batches) this.retryOrFail(batch, error as Error);
    }
  }

  /**
   * One attempt of a batch failed. A retriable error (see retry.ts: the leader moved or is being
   * elected, the connection dropped, the replicas were too slow) sends the batch again after
   * retryBackoffMs, to the leader that fresh metadata names; any other error fails its records
   * now. The batch stays its partition's one batch in flight meanwhile, so the partition's later
   * batches wait behind it and the order of the records holds. Its deadline (deliveryTimeoutMs,
   * armed in record-accumulator.ts) ends the retrying.
   *
   * A retry may write records twice. If the first attempt did reach the leader and only the
   * answer was lost (the connection dropped after the append, or acks=all timed out waiting for
   * followers), the log already has the batch, and the retry appends it once more: at-least-once
   * delivery. Kafka's idempotent producer (`enable.idempotence`, see Going further) numbers each
   * batch so that the broker recognizes the copy and drops it.
   */
  private retryOrFail(batch: ProducerBatch, error: Error): void {
    if (batch.isDone) return; // it ran out of time while this attempt was on its way
  //<
    //> step 08 task 6: retryOrFail — fail at once on an error that is not retriable, or after `retries` attempts; otherwise resend after retryBackoffMs
    // #region retry-or-fail
    if (!isRetriable(error)) {
      batch.fail(error);
      return;
    }
    batch.lastError = error;
    if (batch.attempts > this.retries) {
      batch.fail(gaveUp(error, batch.attempts, `retries is ${this.retries}`));
      return;
    }
    this.log(`Retrying ${batch.topic}-${batch.partition} (${batch.records.length} record(s), ${batch.attempts} attempt(s) so far) in ${this.retryBackoffMs} ms: ${error.message}`);
    setTimeout(() => void this.resend(batch), this.retryBackoffMs);
    // #endregion retry-or-fail
    //<
  //> step 08 given
  }

  /**
   * After the backoff: ask who leads the batch's partition now, then send it there. When no broker
   * answers the metadata request, the batch still goes to the leader last known: it may be a lone
   * broker restarting, and an attempt that fails again costs only another backoff.
   */
  private async resend(batch: ProducerBatch): Promise<void> {
    if (batch.isDone) return;
    try {
      await this.cluster.refreshTopic(batch.topic);
    } catch (error) {
      if (!isRetriable(error)) {
        batch.fail(error as Error); // the topic itself is gone or refused: no retry will help
        return;
      }
    }
    if (!batch.isDone) this.sendBatches([batch]);
  }
  //<

  /** Sends one produce request with the producer's acks and timeout; with acks=0 nothing answers, and it resolves with null once written. */
  private async sendProduce(connection: Connection, batches: ProducerBatch[]): Promise<ProduceResponse | null> {
    // #region acks
    const request = { type: 'produce' as const, acks: this.acks, timeoutMs: this.requestTimeoutMs, batches: batches.map(toWire) };
    if (this.acks === 0) {
      await connection.send(request);
      return null;
    }
    return connection.request(request);
    // #endregion acks
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // refuse new sends, but deliver the ones already made
    await this.flush();
    await this.cluster.close();
  }
}

//> step 08 given
/** A setting that must be a whole number from 0 up. */
function wholeNumber(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number from 0 up, got ${value}`);
  return value;
}
//<

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
