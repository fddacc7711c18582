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
//> step 08 given
//
// After a leader change (step 08) a follower may hold records its new leader never had: an old
// leader's writes that no other replica copied before it died. Copying on from its own log end
// would leave two replicas with different records at the same offsets. So every fetch names the
// epoch of the follower's last batch (lastFetchedEpoch); a leader whose log does not have that
// epoch as far as the follower's answers with where the two logs part (divergingEpoch) instead
// of records, and the follower cuts its log there before it copies on: truncation on fetch,
// Kafka's way since 2.7 (before, a follower asked OffsetsForLeaderEpoch first, KIP-101). Every
// fetch also carries the epoch the follower believes the leader is in, so that a leader of
// another epoch refuses it instead of serving it.
import { Connection } from '../network/connection.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset } from '../storage/leader-epoch-cache.ts';
import type { FetchedPartition, FetchPartition, FetchResponse } from '../protocol/index.ts';
//<
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

  //> step 08 given
  /** The leader's address this fetcher fetches from. */
  get address(): { host: string; port: number } {
    return this.options.leader;
  }
  //<

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

  //> step 08 rewrites: a follower fetches in its leader's epoch from after its last batch's epoch, and cuts what the leader says it never had
  /**
   * One round: fetch every partition from its log end offset, naming the leader epoch it follows
   * and the epoch of its last batch; cut what the leader says is not in its log, append what came,
   * take the high watermark. Returns how many partitions the leader refused.
   */
  async fetchOnce(): Promise<number> {
    const partitions = [...this.partitions.values()];
    // The leader epoch each partition is fetched in: an answer that comes back after an election
    // is about a leader that is gone, and what it brought may be what the new one never had.
    const fetchedIn = new Map(partitions.map((partition) => [partition.name, partition.leaderEpoch]));
    const response: FetchResponse = await this.connection.request({
      type: 'fetch',
      replicaId: this.options.localId,
      maxWaitMs: this.options.maxWaitMs,
      minBytes: 1,
      maxBytes: REPLICA_FETCH_MAX_BYTES,
      partitions: partitions.map((partition) => fetchPosition(partition)),
    });
    let failed = 0;
    for (const fetched of response.partitions) {
      const partition = this.partitions.get(`${fetched.topic}-${fetched.partition}`);
      if (!partition || partition.leaderEpoch !== fetchedIn.get(partition.name)) continue;
      if (!this.copy(partition, fetched)) failed++;
    }
    return failed;
  }

  /** Appends what the leader sent for one partition; false when the leader refused it. */
  private copy(partition: Partition, fetched: FetchedPartition): boolean {
    if (fetched.error) {
      // Right after a topic is created, its leader may not have learnt it yet: no news worth printing.
      if (fetched.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
      this.refused(`Fetching ${partition.name} from broker ${this.options.leaderId} failed: ${fetched.error.code}: ${fetched.error.message}`);
      return false;
    }
    // Our log parts from the leader's: cut it where the leader says; the next fetch copies on.
    if (fetched.divergingEpoch) {
      this.truncate(partition, fetched.divergingEpoch);
      return true;
    }
    for (const batch of fetched.batches ?? []) partition.log.appendAsFollower(Buffer.from(batch, 'base64'));
    partition.updateHighWatermarkAsFollower(fetched.highWatermark);
    return true;
  }

  /**
   * Cuts one partition's log where the leader says it parts from the leader's (Kafka's
   * AbstractFetcherThread, KIP-101 and KIP-279). `diverging` is the largest epoch the LEADER has at
   * or below the epoch of our last batch, and where it ends in the leader's log. When the cut
   * leaves our log in an older epoch than that, the next fetch names the older epoch, and the
   * leader checks again.
   */
  private truncate(partition: Partition, diverging: EpochEndOffset): void {
    const { log } = partition;
    const ours = log.latestEpoch;
    const before = log.logEndOffset;
    let target: number;
  //<
    //> step 08 task 4: truncate — where to cut, from the leader's divergingEpoch and this log's own end of the same epoch
    // #region truncate-target
    if (diverging.endOffset === UNDEFINED_EPOCH_OFFSET) {
      // The leader knows no epoch at or below ours, so the epochs cannot tell where the logs part:
      // keep what was committed, as Kafka did before KIP-101.
      target = partition.highWatermark;
    } else {
      const here = log.endOffsetForEpoch(diverging.epoch);
      if (here.epoch === diverging.epoch) {
        // Both logs have that epoch: they agree up to where the shorter one of the two ends it.
        target = Math.min(diverging.endOffset, here.endOffset);
      } else if (here.epoch !== UNDEFINED_EPOCH) {
        // We never had the leader's epoch: what we wrote from where our older epoch ends is in
        // epochs the leader does not have. Cut that; the next fetch asks about the older epoch.
        target = here.endOffset;
      } else {
        // Nothing here is as old as the leader's epoch: keep no more than the leader had then.
        target = diverging.endOffset;
      }
    }
    // #endregion truncate-target
    //<
    //> step 08 given
    if (partition.truncateTo(target)) {
      const leader = `broker ${this.options.leaderId}, the leader of epoch ${partition.leaderEpoch}`;
      const why = diverging.endOffset === UNDEFINED_EPOCH_OFFSET ? `${leader}, knows no epoch at or below ${ours}; kept what was committed` : `our last epoch ${ours} parts from ${leader} at offset ${diverging.endOffset} (its epoch ${diverging.epoch})`;
      this.options.log(`Truncated ${partition.name} from offset ${before} to ${log.logEndOffset}: ${why}`);
    }
  }

  /** Says why the leader refused, once: the same refusal every round would flood the log. */
  private refused(message: string): void {
    if (message !== this.lastFailure) this.options.log(message);
    this.lastFailure = message;
  }
  //<

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

//> step 08 given
/** Where a follower fetches a partition from: its log end, in the leader epoch it follows, after the epoch of its last batch. */
function fetchPosition({ topic, partition, logEndOffset, leaderEpoch, log }: Partition): FetchPartition {
  const lastFetchedEpoch = log.latestEpoch;
  // An empty log has no epoch to check: it can only copy.
  return { topic, partition, offset: logEndOffset, currentLeaderEpoch: leaderEpoch, ...(lastFetchedEpoch === UNDEFINED_EPOCH ? {} : { lastFetchedEpoch }) };
}
//<
