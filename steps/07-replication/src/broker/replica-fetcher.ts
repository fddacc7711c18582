// A follower copies its leader by fetching from it, exactly as a consumer does: Kafka's
// ReplicaFetcherThread.
//
// One fetcher runs per leader this broker follows, and one fetch request carries every partition
// it follows from that leader, each from its own log end offset. The leader holds the request
// (long polling, the same purgatory a consumer waits in) until it has something new, so an idle
// follower costs one request every `maxWaitMs`, not a busy loop. The offset a follower asks for
// is also how the leader learns how far that follower has got: there is no separate "ack".
//
// The follower appends the batches as the leader stored them, byte for byte and with the
// leader's offsets, and takes the leader's high watermark as far as its own log reaches.
import { Connection } from '../network/connection.ts';
import type { FetchedPartition, FetchResponse } from '../protocol/index.ts';
import type { Partition } from './partition.ts';

/** The most bytes one fetch brings back; Kafka's `replica.fetch.response.max.bytes` (10 MiB). */
export const REPLICA_FETCH_MAX_BYTES = 10 * 1024 * 1024;

export interface ReplicaFetcherOptions {
  /** This broker's id: the leader knows the fetch is a follower's by it. */
  localId: number;
  leaderId: number;
  leader: { host: string; port: number };
  /** How long the leader may hold a fetch with nothing new; Kafka's `replica.fetch.wait.max.ms` (500). */
  maxWaitMs: number;
  /** How long to wait before trying again after the leader could not be reached; Kafka's `replica.fetch.backoff.ms` (1000). */
  backoffMs: number;
  log: (line: string) => void;
}

export class ReplicaFetcher {
  /** The partitions copied from this leader, by "topic-partition". */
  private readonly partitions = new Map<string, Partition>();
  private readonly connection: Connection;
  private running = false;
  private stopped = false;
  private backoffTimer: NodeJS.Timeout | null = null;
  private wakeFromBackoff: (() => void) | null = null;
  private lastFailure = '';

  constructor(private readonly options: ReplicaFetcherOptions) {
    this.connection = new Connection(options.leader.host, options.leader.port);
  }

  /** Starts copying a partition (and the fetch loop, if it was not running). */
  add(partition: Partition): void {
    this.partitions.set(partition.name, partition);
    if (!this.running && !this.stopped) void this.run();
  }

  remove(partition: Partition): void {
    this.partitions.delete(partition.name);
  }

  get size(): number {
    return this.partitions.size;
  }

  private async run(): Promise<void> {
    this.running = true;
    while (!this.stopped && this.partitions.size > 0) {
      try {
        const failed = await this.fetchOnce();
        if (failed === 0) {
          if (this.lastFailure) this.options.log(`Fetching from broker ${this.options.leaderId} again`);
          this.lastFailure = '';
        } else {
          // A refusal comes back at once (the leader does not know the topic yet, say): asking
          // again straight away would be a busy loop, so pause as after a failure.
          await this.backoff();
        }
      } catch (error) {
        if (this.stopped) break;
        // The leader is down or restarting: say so once, then try again after a pause.
        const message = (error as Error).message;
        if (message !== this.lastFailure) this.options.log(`Could not fetch from broker ${this.options.leaderId}: ${message}; retrying every ${this.options.backoffMs} ms`);
        this.lastFailure = message;
        await this.backoff();
      }
    }
    this.running = false;
  }

  /** One round: fetch every partition from its log end offset, append what came, take the high watermark. Returns how many partitions the leader refused. */
  async fetchOnce(): Promise<number> {
    const partitions = [...this.partitions.values()];
    throw new Error('TODO(step 07, task 5): fetchOnce — fetch every partition from its log end offset as a follower, append the batches as they are, take the leader\'s high watermark');
  }

  /** Appends what the leader sent for one partition; false when the leader refused it. */
  private copy(partition: Partition, fetched: FetchedPartition): boolean {
    if (fetched.error) {
      // Right after a topic is created, its leader may not have been told yet: no news worth printing.
      if (fetched.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
      const message = `Fetching ${partition.name} from broker ${this.options.leaderId} failed: ${fetched.error.code}: ${fetched.error.message}`;
      if (message !== this.lastFailure) this.options.log(message);
      this.lastFailure = message;
      return false;
    }
    throw new Error('TODO(step 07, task 5): copy — append each batch with Log.appendAsFollower, then take the leader\'s high watermark (updateHighWatermarkAsFollower)');
    return true;
  }

  private backoff(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeFromBackoff = resolve;
      this.backoffTimer = setTimeout(resolve, this.options.backoffMs);
    });
  }

  /** Stops fetching: the request in flight is dropped with the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.backoffTimer ?? undefined);
    this.wakeFromBackoff?.();
    await this.connection.close();
  }
}
