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
//
// After a leader change (step 08) a follower may hold records its new leader never had: an old
// leader's writes that no other replica copied before it died. Copying on from its own log end
// would leave two replicas with different records at the same offsets. So a partition marked
// `needsTruncation` is not fetched until it is truncated: the fetcher asks the leader where the
// follower's latest leader epoch ends in the leader's log (OffsetsForLeaderEpoch, KIP-101) and
// cuts the follower's log there. Every fetch also carries the epoch the follower believes the
// leader is in, so that a leader of another epoch refuses it instead of serving it.
import { Connection } from './connection.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.ts';
import type { EpochEndOffsetResult, FetchedPartition, FetchResponse } from './protocol/index.ts';
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

  /** The leader's address this fetcher fetches from. */
  get address(): { host: string; port: number } {
    return this.options.leader;
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

  /**
   * One round: truncate the partitions that need it, then fetch every other partition from its
   * log end offset, append what came, take the high watermark. Returns how many partitions the
   * leader refused.
   */
  async fetchOnce(): Promise<number> {
    let failed = await this.truncateDiverged();
    const partitions = [...this.partitions.values()].filter((partition) => !partition.needsTruncation);
    if (partitions.length === 0) return failed;
    // #region fetch-once
    const response: FetchResponse = await this.connection.request({
      type: 'fetch',
      replicaId: this.options.localId,
      maxWaitMs: this.options.maxWaitMs,
      minBytes: 1,
      maxBytes: REPLICA_FETCH_MAX_BYTES,
      partitions: partitions.map(({ topic, partition, logEndOffset, leaderEpoch }) => ({ topic, partition, offset: logEndOffset, currentLeaderEpoch: leaderEpoch })),
    });
    for (const fetched of response.partitions) {
      const partition = this.partitions.get(`${fetched.topic}-${fetched.partition}`);
      if (partition && !this.copy(partition, fetched)) failed++;
    }
    return failed;
    // #endregion fetch-once
  }

  // #region truncate
  /**
   * KIP-101: for each partition whose leader changed, asks the leader where the follower's latest
   * epoch ends in the leader's log, and cuts the follower's log there. A partition is done when
   * the leader's answer is an epoch the follower has too; otherwise it is cut as far as is sure
   * and asked about again next round, one epoch further back. Returns how many partitions failed.
   */
  private async truncateDiverged(): Promise<number> {
    const asking: Partition[] = [];
    for (const partition of this.partitions.values()) {
      if (!partition.needsTruncation) continue;
      // A log with no epoch holds no record: there is nothing to cut.
      if (partition.log.latestEpoch === UNDEFINED_EPOCH) partition.needsTruncation = false;
      else asking.push(partition);
    }
    if (asking.length === 0) return 0;
    const epochsAsked = new Map(asking.map((partition) => [partition.name, partition.leaderEpoch]));
    const response = await this.connection.request({
      type: 'offsetsForLeaderEpoch',
      replicaId: this.options.localId,
      partitions: asking.map(({ topic, partition, log, leaderEpoch }) => ({ topic, partition, leaderEpoch: log.latestEpoch, currentLeaderEpoch: leaderEpoch })),
    });
    let failed = 0;
    for (const answer of response.partitions) {
      const partition = this.partitions.get(`${answer.topic}-${answer.partition}`);
      // The leader changed again while we asked: the answer is about a leader that is gone.
      if (!partition?.needsTruncation || epochsAsked.get(partition.name) !== partition.leaderEpoch) continue;
      if (answer.error) {
        this.refused(`Asking broker ${this.options.leaderId} where ${partition.name}'s epochs end failed: ${answer.error.code}: ${answer.error.message}`);
        failed++;
        continue;
      }
      this.truncate(partition, answer);
    }
    return failed;
  }

  /**
   * Cuts one partition's log where the leader's answer says it parts from the leader's (Kafka's
   * AbstractFetcherThread.getOffsetTruncationState, KIP-101 and KIP-279). Clears needsTruncation
   * when the logs agree up to the cut; leaves it set when another question is needed.
   */
  private truncate(partition: Partition, answer: EpochEndOffsetResult): void {
    const { log } = partition;
    const asked = log.latestEpoch;
    const before = log.logEndOffset;
    let target: number;
    let done = true;
    // #region truncate-target
    if (answer.endOffset === UNDEFINED_EPOCH_OFFSET) {
      // The leader knows no epoch at or below ours, so the epochs cannot tell where the logs part:
      // keep what was committed, as Kafka did before KIP-101.
      target = partition.highWatermark;
    } else {
      // The answer is the largest epoch the LEADER has at or below ours, and where it ends there.
      const ours = log.endOffsetForEpoch(answer.leaderEpoch);
      if (ours.epoch === answer.leaderEpoch) {
        // Both logs have that epoch: they agree up to where the shorter one of the two ends it.
        target = Math.min(answer.endOffset, ours.endOffset);
      } else if (ours.epoch !== UNDEFINED_EPOCH) {
        // We never had the leader's epoch: what we wrote from where our older epoch ends is in
        // epochs the leader does not have. Cut that, then ask about our new latest epoch.
        target = ours.endOffset;
        done = false;
      } else {
        // Nothing here is as old as the leader's epoch: keep no more than the leader had then.
        target = answer.endOffset;
      }
    }
    // #endregion truncate-target
    if (partition.truncateTo(target)) {
      const leader = `broker ${this.options.leaderId}, the leader of epoch ${partition.leaderEpoch}`;
      const why = answer.endOffset === UNDEFINED_EPOCH_OFFSET ? `${leader}, knows no epoch at or below ${asked}; kept what was committed` : `its latest epoch ${asked} ends at ${answer.endOffset} (epoch ${answer.leaderEpoch}) on ${leader}`;
      this.options.log(`Truncated ${partition.name} from offset ${before} to ${log.logEndOffset}: ${why}`);
    }
    partition.needsTruncation = !done;
  }
  // #endregion truncate

  /** Appends what the leader sent for one partition; false when the leader refused it. */
  private copy(partition: Partition, fetched: FetchedPartition): boolean {
    if (fetched.error) {
      // Right after a topic is created, its leader may not have learnt it yet: no news worth printing.
      if (fetched.error.code === 'UNKNOWN_TOPIC_OR_PARTITION') return false;
      this.refused(`Fetching ${partition.name} from broker ${this.options.leaderId} failed: ${fetched.error.code}: ${fetched.error.message}`);
      return false;
    }
    // The leader changed while the fetch was on its way: what it brought may be what the new
    // leader never had. Truncate first; the next round fetches again.
    if (partition.needsTruncation) return true;
    //> step 09 rewrites: a follower appends the leader's record set as bytes
    // The leader's batches as it stored them, byte for byte: offsets, epochs and all.
    partition.log.appendAsFollower(fetched.records);
    //<
    partition.updateHighWatermarkAsFollower(fetched.highWatermark);
    return true;
  }

  /** Says why the leader refused, once: the same refusal every round would flood the log. */
  private refused(message: string): void {
    if (message !== this.lastFailure) this.options.log(message);
    this.lastFailure = message;
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

