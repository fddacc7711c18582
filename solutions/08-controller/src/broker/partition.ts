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
//> step 08 given
//
// Leaders change (step 08): the controller elects a new one from the ISR when a leader dies, and
// each election gives the partition a new LEADER EPOCH, one more than the last. The leader stamps
// its epoch into every batch it appends, so that every replica knows which leader wrote which
// offsets (leader-epoch-cache.ts), and a replica still living in an older epoch (a "zombie"
// leader, a stale follower) is refused by epoch. Two things follow:
//
// - A follower may hold records its new leader never had (an old leader's acks=1 writes, say).
//   Every fetch names the epoch of the follower's last batch; when the leader's log does not
//   have that epoch as far as the follower's, it answers with where they part (divergingEpoch),
//   and the follower cuts its log there before it copies on (Kafka's truncation on fetch, 2.7).
// - A new leader learns the high watermark from the old one a fetch late, so its own can lag
//   what was committed. A follower that reaches that stale high watermark may still lack
//   acknowledged records: it rejoins the ISR only once it also reaches the offset where the
//   leader's epoch began, which the leader had in full when it was elected (KAFKA-7128).
import { KafkaError } from '../common/errors.ts';
import type { EpochEndOffset } from '../storage/leader-epoch-cache.ts';
import type { Log } from '../storage/log.ts';
import type { PartitionState } from '../metadata/metadata-image.ts';
//<
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
  //> step 08 rewrites: the leader asks the controller for ISR changes, and a new leader epoch starts a new epoch in the log
  layout: PartitionState;
  /** Where the high watermark was when the broker last wrote it down (replication-offset-checkpoint). */
  highWatermark: number;
  /** The fewest in-sync replicas an acks=all write accepts; Kafka's `min.insync.replicas`. */
  minInsyncReplicas: number;
  /**
   * Asks the controller for a new ISR (AlterPartition). The leader never changes its ISR on its
   * own: the controller must know whom it may elect. The answer comes back through update().
   */
  proposeIsr: (partition: Partition, newIsr: number[]) => void;
  //<
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
  //> step 08 rewrites: the leader asks the controller for ISR changes, and a new leader epoch starts a new epoch in the log
  /** The epoch of the current leader, from the layout: one more at every election. */
  leaderEpoch: number;
  /** On the leader: its log end offset when its epoch began, where its own writes start; -1 on a follower. */
  leaderEpochStartOffset = -1;
  replicas: number[];
  isr: number[];
  /** The version of this partition's state at the controller (AlterPartition names it). */
  partitionEpoch: number;
  /** An ISR asked of the controller and not answered yet: no second request meanwhile. */
  pendingIsr: number[] | null = null;
  minInsyncReplicas: number;
  private hw: number;
  /** The leader's view of each follower (empty on a follower). */
  private readonly followers = new Map<number, FollowerState>();
  private readonly proposeIsr: (partition: Partition, newIsr: number[]) => void;
  //<
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
    //> step 08 rewrites: the leader asks the controller for ISR changes, and a new leader epoch starts a new epoch in the log
    this.leaderEpoch = options.layout.leaderEpoch;
    this.partitionEpoch = options.layout.partitionEpoch;
    this.minInsyncReplicas = options.minInsyncReplicas;
    this.proposeIsr = options.proposeIsr;
    this.now = options.now ?? Date.now;
    this.say = options.say ?? (() => {});
    // The checkpoint may be older than the log, never ahead of it.
    this.hw = Math.min(options.highWatermark, this.log.logEndOffset);
    this.beginEpoch();
    //<
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
   //> step 08 rewrites
   * Takes the partition's state as the controller decided it. A new leader epoch means a new
   * leader: a leader starts its followers afresh (it knows nothing of their logs until they
   * fetch, and gives each a whole lag time to do so). The same epoch with a newer version is an
   * ISR change, the answer to an AlterPartition.
   */
  update(state: PartitionState): void {
    if (state.leaderEpoch < this.leaderEpoch || (state.leaderEpoch === this.leaderEpoch && state.partitionEpoch <= this.partitionEpoch)) return; // old news
    const newEpoch = state.leaderEpoch > this.leaderEpoch;
    this.leader = state.leader;
    this.replicas = state.replicas;
    this.isr = state.isr;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.pendingIsr = null;
    if (newEpoch) this.startEpoch();
  }

  /** A new leader epoch begins: a leader starts its followers afresh. */
  private startEpoch(): void {
    this.resetFollowers();
    this.beginEpoch();
  }

  /**
   * On a leader, its epoch starts at its log end right away (Kafka's makeLeader): a follower whose
   * last batch is of an older epoch learns that the epoch ended here. That offset is also what a
   * follower must reach before it counts as in sync again (isFollowerInSync). A broker that starts
   * as a leader does the same: it cannot know how far its followers got meanwhile.
   */
  private beginEpoch(): void {
    this.leaderEpochStartOffset = this.isLeader ? this.log.logEndOffset : -1;
    if (this.isLeader) this.log.assignEpochStartOffset(this.leaderEpoch, this.leaderEpochStartOffset);
  }

  // #region alter-isr
  /** Asks the controller for this ISR, unless a request is already out. */
  private alterIsr(newIsr: number[], why: string): void {
    if (this.pendingIsr) return;
    this.pendingIsr = newIsr;
    this.say(`Asking the controller to make the ISR of ${this.name} ${newIsr.join(',')}: ${why}`);
    this.proposeIsr(this, newIsr);
  }

  /** The ISR counted for the high watermark: while an expansion waits for the controller, the new member counts already (Kafka's "maximal ISR"). */
  private get maximalIsr(): number[] {
    return [...new Set([...this.isr, ...(this.pendingIsr ?? [])])];
  }
  // #endregion alter-isr
  //<

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
  appendAsLeader(records: LogRecord[], acks: number): number {
    if (!this.isLeader) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.localId} does not lead ${this.name}; broker ${this.leader} does`);
    if (acks === -1 && this.isr.length < this.minIsr) {
      throw new KafkaError(
        'NOT_ENOUGH_REPLICAS',
        `${this.name} has ${this.isr.length} in-sync replica(s) (${this.isr.join(', ')}) but min.insync.replicas is ${this.minIsr}: acks=all writes are refused until enough followers catch up (acks=1 writes are taken, but no consumer sees them until then)`,
      );
    }
    //> step 08 rewrites
    // Stamped with this leader's epoch: whoever copies the batch knows who wrote it.
    const baseOffset = this.log.append(records, this.leaderEpoch);
    //<
    // Alone in its ISR, the leader's own append is all the high watermark waits for.
    this.maybeAdvanceHighWatermark();
    return baseOffset;
  }

  /**
   * A follower fetched from `fetchOffset`: it has every record below it. The leader records its
   * LEO and when it was last caught up, lets it back into the ISR once it has reached the high
   * watermark, and moves the high watermark. Returns whether the high watermark moved.
   */
  updateFollowerFetch(replicaId: number, fetchOffset: number): boolean {
    const follower = this.followers.get(replicaId);
    if (!follower) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${replicaId} is not a replica of ${this.name} (its replicas are ${this.replicas.join(', ')})`);
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
    this.recordLogEndOffset(follower, fetchOffset);
    this.maybeExpandIsr(replicaId, follower);
    return this.maybeAdvanceHighWatermark();
  }

  /** A follower fetching from `fetchOffset` has every record below it: that is its log end offset. */
  private recordLogEndOffset(follower: FollowerState, fetchOffset: number): void {
    follower.logEndOffset = fetchOffset;
  }

  //> step 08 rewrites
  /** A follower outside the ISR that is in sync again comes back in (the controller agreeing). */
  private maybeExpandIsr(replicaId: number, follower: FollowerState): void {
    if (this.isr.includes(replicaId) || !this.isFollowerInSync(follower)) return;
    this.alterIsr([...this.isr, replicaId], `broker ${replicaId} caught up to the high watermark ${this.hw} and to offset ${this.leaderEpochStartOffset}, where leader epoch ${this.leaderEpoch} began`);
  }

  /**
   * Whether a follower has every record that may have been committed (Kafka's isFollowerInSync).
   * The high watermark is not enough once leaders change: this leader learnt it from the old one
   * a fetch late, so records below the old leader's high watermark, acknowledged to acks=all
   * producers, may lie above this one's. They lie below where this leader's epoch began (it had
   * every committed record when it was elected), so a follower must reach that offset too.
   */
  private isFollowerInSync(follower: FollowerState): boolean {
  //<
    //> step 08 task 4 omit: isFollowerInSync — a follower below the offset where this leader's epoch began (leaderEpochStartOffset) is not in sync, whatever the high watermark says
    if (follower.logEndOffset < this.leaderEpochStartOffset) return false;
    //<
    //> step 08 rewrites: the leader asks the controller for ISR changes, and a new leader epoch starts a new epoch in the log
    return follower.logEndOffset >= this.hw;
  }

  /**
   * Drops from the ISR every follower that has not been caught up for longer than `lagTimeMs`
   * (Kafka checks every half lag time). Returns whether the high watermark moved: the slow
   * follower no longer holds it back.
   */
  maybeShrinkIsr(lagTimeMs: number): boolean {
    if (!this.isLeader) return false;
    const now = this.now();
    const lagging = this.isr.filter((id) => id !== this.localId && now - (this.followers.get(id)?.lastCaughtUpTimeMs ?? 0) > lagTimeMs);
    // Until the controller agrees, the laggard still counts: the high watermark moves when it does.
    if (lagging.length > 0) this.alterIsr(this.isr.filter((id) => !lagging.includes(id)), `broker(s) ${lagging.join(', ')} not caught up for over ${lagTimeMs} ms`);
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
    if (this.isr.length < this.minIsr) return false;
    //> step 08 rewrites
    const ends = this.maximalIsr.map((id) => (id === this.localId ? this.log.logEndOffset : (this.followers.get(id)?.logEndOffset ?? 0)));
    const candidate = Math.min(...ends);
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
  }

  /** On a follower: the leader's high watermark, as far as this replica's own log goes. */
  updateHighWatermarkAsFollower(leaderHighWatermark: number): void {
    this.hw = Math.max(this.hw, Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /**
   * Refuses a request made for another leader epoch than this partition's (Kafka's
   * checkCurrentLeaderEpoch): FENCED_LEADER_EPOCH when the asker's epoch is older (it missed an
   * election: a stale follower, a zombie leader), UNKNOWN_LEADER_EPOCH when it is newer (this
   * broker has not heard of the election yet; the asker retries). A request without one passes.
   */
  checkFetchEpoch(currentLeaderEpoch: number | undefined): void {
    if (currentLeaderEpoch === undefined || currentLeaderEpoch === this.leaderEpoch) return;
    if (currentLeaderEpoch < this.leaderEpoch) {
      throw new KafkaError('FENCED_LEADER_EPOCH', `${this.name} is in leader epoch ${this.leaderEpoch}, but the request is for epoch ${currentLeaderEpoch}: refresh the metadata`);
    }
    throw new KafkaError('UNKNOWN_LEADER_EPOCH', `${this.name} is in leader epoch ${this.leaderEpoch} on broker ${this.localId}, which has not yet heard of epoch ${currentLeaderEpoch}: retry`);
  }

  /**
   * On the leader: where `leaderEpoch` ends in this log (OffsetsForLeaderEpoch; see
   * Log.endOffsetForEpoch). Only the leader answers, and only in the epoch the asker believes it
   * is in.
   */
  endOffsetForEpoch(leaderEpoch: number, currentLeaderEpoch?: number): EpochEndOffset {
    if (!this.isLeader) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.localId} does not lead ${this.name}; broker ${this.leader} does`);
    this.checkFetchEpoch(currentLeaderEpoch);
    return this.log.endOffsetForEpoch(leaderEpoch);
  }

  /**
   * On the leader, for a follower's fetch from `fetchOffset` whose last batch is of
   * `lastFetchedEpoch`: null when this log agrees with the follower's up to there, else where they
   * part, the largest epoch at or below the follower's that this log has and where it ends here
   * (Kafka's Partition.fetchRecords). A follower without that epoch, or with more of it than this
   * leader ever had, wrote what the leader never had.
   */
  divergingEpoch(lastFetchedEpoch: number | undefined, fetchOffset: number): EpochEndOffset | null {
    if (lastFetchedEpoch === undefined) return null;
    // Every fetch between two elections: the follower is in this log's latest epoch, not past its end.
    if (lastFetchedEpoch === this.log.latestEpoch && fetchOffset <= this.log.logEndOffset) return null;
    const here = this.log.endOffsetForEpoch(lastFetchedEpoch);
    return here.epoch < lastFetchedEpoch || here.endOffset < fetchOffset ? here : null;
  }

  /**
   * On a follower: removes every record from `offset` on (Log.truncateTo). The high watermark
   * comes down with the log end if it has to: it never points past what this replica holds.
   */
  truncateTo(offset: number): boolean {
    const truncated = this.log.truncateTo(offset);
    this.hw = Math.min(this.hw, this.log.logEndOffset);
    return truncated;
  }

  /** Whether the leader still counts enough in-sync replicas for acks=all (checked again after waiting). */
  get hasEnoughReplicas(): boolean {
    return this.isr.length >= this.minIsr;
  }

  state(): PartitionState {
    return { partition: this.partition, leader: this.leader, replicas: this.replicas, isr: this.isr, leaderEpoch: this.leaderEpoch, partitionEpoch: this.partitionEpoch };
  //<
  }
}
