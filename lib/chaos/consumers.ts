// The readers of a chaos run: a consumer group of two, reading the whole time, each record they
// are handed recorded in a `poll` (the records one fetch handed out, which the iterator yields in a
// row), and each new generation of the group recorded as a `rebalance` before the first record it
// brings. A consumer that throws is replaced by a new one (a new process in the history), as an
// application would restart it.
import type { HistoryRecorder, PolledRecord } from './history.ts';
import { oneLine } from './producers.ts';
import { settleWithin } from './settle-within.ts';
import type { StepApi, StepConsumer } from '../step-api.ts';

export const GROUP_ID = 'chaos-group';
/** How long a replaced consumer waits before the next one starts: a crash loop must not spin. */
const REPLACE_BACKOFF_MS = 1_000;
/** How long closing the group may take: leaving it, committing. */
const CLOSE_MS = 15_000;

/** The consumer's own log lines that a reader of the history should see (the rebalances are recorded apart). */
const NOTEWORTHY = /out of range/i;

export class GroupConsumers {
  private stopping = false;
  private readonly live = new Set<StepConsumer<string | null>>();
  private readonly members: Promise<void>[] = [];
  private nextProcess = 1;
  /** The highest offset any member was handed, per partition: draining is done when it reaches the end. */
  readonly highest = new Map<number, number>();

  constructor(
    private readonly api: StepApi,
    private readonly bootstrapServers: string[],
    private readonly topic: string,
    private readonly history: HistoryRecorder,
    private readonly size = 2,
  ) {}

  start(): void {
    for (let slot = 0; slot < this.size; slot++) this.members.push(this.member());
  }

  /**
   * Closes every consumer (a waiting fetch is abandoned) and resolves once their loops have ended;
   * false if they had not within CLOSE_MS (a close() that hangs: the run goes on without them).
   */
  async stop(): Promise<boolean> {
    this.stopping = true;
    const closed = Promise.allSettled([...this.live].map((consumer) => consumer.close()));
    return settleWithin(closed.then(() => Promise.all(this.members)), CLOSE_MS);
  }

  /** One seat in the group: a consumer, and its replacements while the run goes on. */
  private async member(): Promise<void> {
    while (!this.stopping) {
      const process = `consumer-${this.nextProcess++}`;
      await this.consume(process);
      if (!this.stopping) await new Promise((resolve) => setTimeout(resolve, REPLACE_BACKOFF_MS));
    }
  }

  private async consume(process: string): Promise<void> {
    let poll: PolledRecord[] = [];
    // The records of one fetch come out of the iterator one after another without a pause; the
    // first tick with nothing new ends the poll.
    const flush = () => {
      if (poll.length > 0) this.history.record({ type: 'poll', process, records: poll });
      poll = [];
    };
    const consumer = new this.api.KafkaConsumer<string | null>(this.topic, {
      bootstrapServers: this.bootstrapServers,
      groupId: GROUP_ID,
      autoOffsetReset: 'earliest',
      valueDeserializer: this.api.stringDeserializer,
      enableAutoCommit: true,
      autoCommitIntervalMs: 1_000,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      fetchMaxWaitMs: 200,
      retryBackoffMs: 100,
      defaultApiTimeoutMs: 30_000,
      log: (line: string) => {
        if (/^Joined group/.test(line)) {
          // Recorded before the first record of the new generation: going back after it is legal.
          flush();
          this.history.record({ type: 'rebalance', process, detail: line });
        } else if (NOTEWORTHY.test(line)) {
          this.history.record({ type: 'note', process, detail: line });
        }
      },
    });
    this.live.add(consumer);
    try {
      for await (const record of consumer) {
        if (poll.length === 0) setImmediate(flush);
        poll.push({ partition: record.partition, offset: record.offset, value: record.value ?? '' });
        this.highest.set(record.partition, Math.max(this.highest.get(record.partition) ?? -1, record.offset));
        if (this.stopping) break;
      }
    } catch (error) {
      flush();
      if (!this.stopping) this.history.record({ type: 'note', process, detail: `stopped with an error and is replaced by a new consumer: ${oneLine(error)}` });
    } finally {
      flush();
      this.live.delete(consumer);
      await settleWithin(consumer.close(), CLOSE_MS);
    }
  }
}
