// The writers of a chaos run: producers with acks=all sending unique values ("p1-42") round the
// partitions, and recording how every send ended. A send that rejects is `unknown` when its error
// is retriable (the producer retried until deliveryTimeoutMs, and any attempt may have been
// written), `failed` when a broker refused it for a reason no retry would change.
import type { HistoryRecorder, Outcome } from './history.ts';
import { settleWithin } from './settle-within.ts';
import type { StepApi, StepProducer } from '../step-api.ts';

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

/** How long after deliveryTimeoutMs a send() may still take to settle before it counts as never settling. */
const SETTLE_GRACE_MS = 15_000;
const CLOSE_MS = 10_000;

/** A send() not settled yet: what to record if it never does. */
interface PendingSend {
  process: string;
  partition: number;
  value: string;
  sentAt: number;
  settled: Promise<unknown>;
}

export class Producers {
  private stopping = false;
  private signalStop: () => void = () => {};
  /** Resolves when stop() is called: a producer waiting for room in its window stops waiting. */
  private readonly stopped = new Promise<void>((resolve) => (this.signalStop = resolve));
  private readonly loops: Promise<void>[] = [];
  private readonly pending = new Map<string, PendingSend>();
  private readonly producers: StepProducer<string>[] = [];

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

  /**
   * Stops sending, and resolves once every send made has settled and been recorded. A send still
   * unsettled deliveryTimeoutMs (and a grace) later is recorded as unknown: the producer lost track
   * of it. Resolves with how many did.
   */
  async stop(): Promise<number> {
    this.stopping = true;
    this.signalStop();
    await Promise.all(this.loops);
    await settleWithin(Promise.allSettled([...this.pending.values()].map((send) => send.settled)), this.settings.deliveryTimeoutMs + SETTLE_GRACE_MS);
    const lost = [...this.pending.values()];
    this.pending.clear();
    for (const send of lost) {
      const error = `send() neither resolved nor rejected within deliveryTimeoutMs (${this.settings.deliveryTimeoutMs} ms) and ${SETTLE_GRACE_MS / 1000} s more`;
      this.history.record({ type: 'send', process: send.process, partition: send.partition, value: send.value, outcome: 'unknown', error, sentAt: send.sentAt });
    }
    await Promise.all(this.producers.map((producer) => settleWithin(producer.close(), CLOSE_MS)));
    return lost.length;
  }

  private async run(id: number): Promise<void> {
    const process = `producer-${id}`;
    const producer = new this.api.KafkaProducer<string>({
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
      while (mine.size >= this.settings.inFlight && !this.stopping) await Promise.race([...mine, this.stopped]);
      if (this.stopping) break;
      // Producer 1 starts at partition 0, producer 2 at 1, …: every partition gets both producers' records.
      const partition = (sequence + id - 1) % this.partitions;
      const value = `p${id}-${sequence}`;
      const sentAt = this.history.elapsed();
      // Recorded once: when it settles, unless stop() gave up on it first.
      const record = (outcome: { outcome: 'acked'; offset: number } | { outcome: Exclude<Outcome, 'acked'>; error: string }) => {
        if (this.pending.delete(value)) this.history.record({ type: 'send', process, partition, value, ...outcome, sentAt });
      };
      let sent: Promise<{ offset: number }>;
      try {
        sent = producer.send(this.topic, { value, partition });
      } catch (error) {
        sent = Promise.reject(error); // a send() that throws rather than rejects
      }
      const settled: Promise<unknown> = sent.then(
        (meta) => record({ outcome: 'acked', offset: meta.offset }),
        (error: unknown) => record({ outcome: outcomeOf(error), error: oneLine(error) }),
      );
      this.pending.set(value, { process, partition, value, sentAt, settled });
      mine.add(settled);
      void settled.then(() => mine.delete(settled));
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
