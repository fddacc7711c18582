// The writers of a chaos run: producers with acks=all sending unique values ("p1-42") round the
// partitions, and recording how every send ended. A send that rejects is `unknown` when its error
// is retriable (the producer retried until deliveryTimeoutMs, and any attempt may have been
// written), `failed` when a broker refused it for a reason no retry would change.
import type { HistoryRecorder, Outcome } from './history.ts';
import type { ProducerLike, StepApi } from './step-api.ts';

export interface ProducerSettings {
  /** How many producers (2). */
  count: number;
  /** Records per second, all producers together (200): enough to keep every partition busy, little enough for 2 cores. */
  rate: number;
  /** Sends one producer may have waiting for their answer (50); it waits for one to settle beyond that. */
  inFlight: number;
  /** How long a send may retry before it rejects; Kafka's delivery.timeout.ms (30 s here, not 2 minutes, so a run ends soon after the faults). */
  deliveryTimeoutMs: number;
}

export const PRODUCER_DEFAULTS: ProducerSettings = { count: 2, rate: 200, inFlight: 50, deliveryTimeoutMs: 30_000 };

/** Codes that say the cluster was changing: the producer retried them, so the record may be in the log. */
const RETRIABLE_CODES = new Set([
  'NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH',
  'REQUEST_TIMED_OUT', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
]);

/** What a rejected send tells about its record. Only a broker's non-retriable refusal is a definite failure. */
export function outcomeOf(error: unknown): Exclude<Outcome, 'acked'> {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && !RETRIABLE_CODES.has(code) ? 'failed' : 'unknown';
}

export class Producers {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly producers: ProducerLike[] = [];

  constructor(
    private readonly api: StepApi,
    private readonly bootstrapServers: string[],
    private readonly topic: string,
    private readonly partitions: number,
    private readonly history: HistoryRecorder,
    private readonly settings: ProducerSettings = PRODUCER_DEFAULTS,
  ) {}

  start(): void {
    for (let id = 1; id <= this.settings.count; id++) this.loops.push(this.run(id));
  }

  /** Stops sending, and resolves once every send made has settled (and been recorded). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.allSettled([...this.pending]);
    await Promise.allSettled(this.producers.map((producer) => producer.close()));
  }

  private async run(id: number): Promise<void> {
    const process = `producer-${id}`;
    const producer = new this.api.KafkaProducer({
      bootstrapServers: this.bootstrapServers,
      valueSerializer: this.api.stringSerializer,
      acks: 'all',
      lingerMs: 5,
      retryBackoffMs: 100,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: this.settings.deliveryTimeoutMs,
    });
    this.producers.push(producer);
    // Each producer paces itself to its share of the rate; a pause is the pace, not a wait for anything.
    const intervalMs = (1000 * this.settings.count) / this.settings.rate;
    const mine = new Set<Promise<unknown>>();
    let next = Date.now();
    for (let sequence = 0; !this.stopping; sequence++) {
      while (mine.size >= this.settings.inFlight && !this.stopping) await Promise.race(mine);
      if (this.stopping) break;
      // Producer 1 starts at partition 0, producer 2 at 1, …: every partition gets both producers' records.
      const partition = (sequence + id - 1) % this.partitions;
      const value = `p${id}-${sequence}`;
      const sentAt = this.history.elapsed();
      const settled: Promise<unknown> = producer.send(this.topic, { value, partition }).then(
        (meta) => this.history.record({ type: 'send', process, partition, value, outcome: 'acked', offset: meta.offset, sentAt }),
        (error: Error) => this.history.record({ type: 'send', process, partition, value, outcome: outcomeOf(error), error: oneLine(error), sentAt }),
      );
      mine.add(settled);
      this.pending.add(settled);
      void settled.then(() => {
        mine.delete(settled);
        this.pending.delete(settled);
      });
      next += intervalMs;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (wait < -1_000) next = Date.now(); // fell behind (a long GC, a busy machine): do not burst to catch up
    }
  }
}

/** An error as one short line for the history: its code and the start of its message. */
export function oneLine(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  const text = `${typeof code === 'string' && !message.includes(code) ? `${code}: ` : ''}${message}`.replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
