// One partition as this broker holds it: its log, and its place in the replication of that log.
// Kafka's Partition class.
//
// Every replica of a partition has a log; one of them, the leader, takes the writes, and the
// others, the followers, copy it by fetching (replica-fetcher.ts). The leader keeps count of two
// offsets that say how far the copying has got:
//
//   log end offset (LEO)   the next offset a replica will write: each replica has its own
//   high watermark (HW)    the smallest LEO among the in-sync replicas: every record below it
//                          is on every replica of the ISR, so it survives the loss of any of
//                          them. Consumers read only below it.
//
//        offset  0   1   2   3   4   5   6   7
//   leader      [a] [b] [c] [d] [e] [f] [g]        LEO 7
//   follower 2  [a] [b] [c] [d] [e]                LEO 5
//   follower 3  [a] [b] [c] [d] [e] [f]            LEO 6
//                                   ^ HW 5: consumers see a to e
//
// The in-sync replicas (ISR) are the leader and the followers that keep up: a follower that has
// not caught up with the leader for `replicaLagTimeMaxMs` leaves the ISR, so that one slow or dead
// broker cannot hold back the high watermark (and every acks=all producer) for ever; it comes
// back once it has caught up to the high watermark again.
//
// `min.insync.replicas` guards both ends: an acks=all write is refused while the ISR is smaller,
// and the high watermark does not move while it is (Kafka since 3.7): a record on fewer copies
// than that is not committed, whatever acks its producer asked for.
import { KafkaError } from '../common/errors.ts';
import type { Log } from '../storage/log.ts';
import type { PartitionLayout } from '../protocol/index.ts';
import type { LogRecord } from '../record/record-batch.ts';

/** What the leader knows of one follower, from the fetches it sends. */
export interface FollowerState {
  /** The offset it fetched from last: it has every record below it. */
  logEndOffset: number;
  /** The last time it had every record the leader had; what the ISR's lag rule looks at. */
  lastCaughtUpTimeMs: number;
  /** The leader's LEO when that follower last fetched, and when that was (see updateFollowerFetch). */
  lastFetchLeaderLogEndOffset: number;
  lastFetchTimeMs: number;
}

export interface PartitionOptions {
  topic: string;
  partition: number;
  log: Log;
  /** This broker's id. */
  localId: number;
  layout: PartitionLayout;
  /** Where the high watermark was when the broker last wrote it down (replication-offset-checkpoint). */
  highWatermark: number;
  /** The fewest in-sync replicas an acks=all write accepts; Kafka's `min.insync.replicas`. */
  minInsyncReplicas: number;
  /** Called when the leader changed the ISR, so it can be written down and told to the other brokers. */
  onIsrChange: (partition: Partition) => void;
  now?: () => number;
  /** Where to print ISR changes; silent unless given. */
  say?: (line: string) => void;
}

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly log: Log;
  readonly localId: number;
  leader: number;
  replicas: number[];
  isr: number[];
  minInsyncReplicas: number;
  private hw: number;
  /** The leader's view of each follower (empty on a follower). */
  private readonly followers = new Map<number, FollowerState>();
  private readonly onIsrChange: (partition: Partition) => void;
  private readonly now: () => number;
  private readonly say: (line: string) => void;

  constructor(options: PartitionOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.log = options.log;
    this.localId = options.localId;
    this.leader = options.layout.leader;
    this.replicas = options.layout.replicas;
    this.isr = options.layout.isr;
    this.minInsyncReplicas = options.minInsyncReplicas;
    this.onIsrChange = options.onIsrChange;
    this.now = options.now ?? Date.now;
    this.say = options.say ?? (() => {});
    // The checkpoint may be older than the log, never ahead of it.
    this.hw = Math.min(options.highWatermark, this.log.logEndOffset);
    this.resetFollowers();
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  get isLeader(): boolean {
    return this.leader === this.localId;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** The offset after the last record every in-sync replica has; consumers read below it. */
  get highWatermark(): number {
    return this.hw;
  }

  /**
   * `min.insync.replicas` as it applies to this partition: never more than its replicas, so that a
   * topic with fewer copies than the broker's default can still be written (Kafka's effectiveMinIsr).
   */
  get minIsr(): number {
    return Math.min(this.minInsyncReplicas, this.replicas.length);
  }

  /** The leader's view of a follower (for tests and demos). */
  follower(id: number): FollowerState | undefined {
    return this.followers.get(id);
  }

  /**
   * Takes a new layout (from LeaderAndIsr). A leader starts its followers afresh: it knows nothing
   * of their logs until they fetch, and gives each a whole lag time to do so.
   */
  update(layout: PartitionLayout): void {
    this.leader = layout.leader;
    this.replicas = layout.replicas;
    this.isr = layout.isr;
    this.resetFollowers();
  }

  private resetFollowers(): void {
    this.followers.clear();
    if (!this.isLeader) return;
    const now = this.now();
    for (const id of this.replicas) {
      if (id === this.localId) continue;
      this.followers.set(id, { logEndOffset: 0, lastCaughtUpTimeMs: now, lastFetchLeaderLogEndOffset: 0, lastFetchTimeMs: now });
    }
  }

  /**
   * Appends a producer's records on the leader. With acks=-1 the write needs `minInsyncReplicas`
   * in-sync replicas, checked BEFORE the append: once the records are in the log, a refusal would
   * leave them there to be read anyway.
   */
  // #region min-isr
  appendAsLeader(records: LogRecord[], acks: number): number {
    if (!this.isLeader) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.localId} does not lead ${this.name}; broker ${this.leader} does`);
    //> step 07 task 6 omit: appendAsLeader — with acks=-1, refuse NOT_ENOUGH_REPLICAS before appending when the ISR is smaller than minInsyncReplicas
    if (acks === -1 && this.isr.length < this.minIsr) {
      throw new KafkaError(
        'NOT_ENOUGH_REPLICAS',
        `${this.name} has ${this.isr.length} in-sync replica(s) (${this.isr.join(', ')}) but min.insync.replicas is ${this.minIsr}: acks=all writes are refused until enough followers catch up (acks=1 writes are taken, but no consumer sees them until then)`,
      );
    }
    //<
    const baseOffset = this.log.append(records);
    // Alone in its ISR, the leader's own append is all the high watermark waits for.
    this.maybeAdvanceHighWatermark();
    return baseOffset;
  }
  // #endregion min-isr

  /**
   * A follower fetched from `fetchOffset`: it has every record below it. The leader records its
   * LEO and when it was last caught up, lets it back into the ISR once it has reached the high
   * watermark, and moves the high watermark. Returns whether the high watermark moved.
   */
  updateFollowerFetch(replicaId: number, fetchOffset: number): boolean {
    const follower = this.followers.get(replicaId);
    if (!follower) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${replicaId} is not a replica of ${this.name} (its replicas are ${this.replicas.join(', ')})`);
    // #region caught-up
    //> step 07 task 3 omit: updateFollowerFetch — record when the follower was last caught up (now, or as of its previous fetch)
    const now = this.now();
    const leaderEnd = this.log.logEndOffset;
    // Caught up means "had everything the leader had". Asking for the leader's end now proves it
    // for now; asking for where the leader ended at the previous fetch proves it for then. The
    // second rule keeps a follower that copies a busy leader in sync: it is always one fetch
    // behind, never exactly at the end.
    if (fetchOffset >= leaderEnd) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, now);
    else if (fetchOffset >= follower.lastFetchLeaderLogEndOffset) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, follower.lastFetchTimeMs);
    follower.lastFetchLeaderLogEndOffset = leaderEnd;
    follower.lastFetchTimeMs = now;
    //<
    //> step 07 given
    this.recordLogEndOffset(follower, fetchOffset);
    this.maybeExpandIsr(replicaId, follower);
    return this.maybeAdvanceHighWatermark();
    // #endregion caught-up
  }

  // #region expand-isr
  /** A follower fetching from `fetchOffset` has every record below it: that is its log end offset. */
  private recordLogEndOffset(follower: FollowerState, fetchOffset: number): void {
  //<
    //> step 07 task 2: recordLogEndOffset — the fetch offset is the follower's log end offset: record it
    follower.logEndOffset = fetchOffset;
    //<
  //> step 07 given
  }
  //<

  /** A follower outside the ISR that has reached the high watermark comes back in. */
  private maybeExpandIsr(replicaId: number, follower: FollowerState): void {
    //> step 07 task 3 omit: maybeExpandIsr — add the follower to the ISR once its LEO reaches the high watermark, and report the change
    if (this.isr.includes(replicaId) || follower.logEndOffset < this.hw) return;
    this.isr = this.replicas.filter((id) => id === replicaId || this.isr.includes(id)); // in replica order, as Kafka lists it
    this.say(`ISR of ${this.name} expanded to ${this.isr.join(',')}: broker ${replicaId} caught up to the high watermark ${this.hw}`);
    this.onIsrChange(this);
    //<
  }
  // #endregion expand-isr

  /**
   * Drops from the ISR every follower that has not been caught up for longer than `lagTimeMs`
   * (Kafka checks every half lag time). Returns whether the high watermark moved: the slow
   * follower no longer holds it back.
   */
  maybeShrinkIsr(lagTimeMs: number): boolean {
    if (!this.isLeader) return false;
    //> step 07 task 4 omit: maybeShrinkIsr — drop the followers not caught up for over lagTimeMs, report the change, then move the HW
    // #region shrink-isr
    const now = this.now();
    const lagging = this.isr.filter((id) => id !== this.localId && now - (this.followers.get(id)?.lastCaughtUpTimeMs ?? 0) > lagTimeMs);
    if (lagging.length > 0) {
      this.isr = this.isr.filter((id) => !lagging.includes(id));
      this.say(`ISR of ${this.name} shrank to ${this.isr.join(',')}: broker(s) ${lagging.join(', ')} not caught up for over ${lagTimeMs} ms`);
      this.onIsrChange(this);
      return this.maybeAdvanceHighWatermark();
    }
    // #endregion shrink-isr
    //<
    return false;
  }

  /**
   * The high watermark becomes the smallest LEO in the ISR, the leader's own included. It only
   * ever moves forward: what a consumer has been allowed to read stays readable. While the ISR is
   * smaller than min.insync.replicas it stays where it is: a record the leader and too few
   * followers have is not committed, even when its producer asked only for acks=1.
   */
  maybeAdvanceHighWatermark(): boolean {
    //> step 07 task 6 omit: maybeAdvanceHighWatermark — while the ISR is smaller than min.insync.replicas (minIsr), the high watermark does not move
    if (this.isr.length < this.minIsr) return false;
    //<
    //> step 07 task 2: maybeAdvanceHighWatermark — the smallest LEO among the ISR, the leader's included; it never goes back
    const ends = this.isr.map((id) => (id === this.localId ? this.log.logEndOffset : (this.followers.get(id)?.logEndOffset ?? 0)));
    const candidate = Math.min(...ends);
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
    //<
  }

  /** On a follower: the leader's high watermark, as far as this replica's own log goes. */
  updateHighWatermarkAsFollower(leaderHighWatermark: number): void {
    this.hw = Math.max(this.hw, Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /** Whether the leader still counts enough in-sync replicas for acks=all (checked again after waiting). */
  get hasEnoughReplicas(): boolean {
    return this.isr.length >= this.minIsr;
  }

  layout(): PartitionLayout {
    return { partition: this.partition, leader: this.leader, replicas: this.replicas, isr: this.isr };
  }
}
