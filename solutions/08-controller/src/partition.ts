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
import { KafkaError } from './errors.ts';
import type { Log } from './log.ts';
import type { PartitionState } from './metadata-image.ts';
import type { LogRecord } from './record-batch.ts';

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
  /** Grows with every new leader; a batch carries the epoch of the leader that wrote it. */
  leaderEpoch: number;
  /** The version of this partition's state at the controller (AlterPartition names it). */
  partitionEpoch: number;
  /** An ISR asked of the controller and not answered yet: no second request meanwhile. */
  pendingIsr: number[] | null = null;
  minInsyncReplicas: number;
  private hw: number;
  /** The leader's view of each follower (empty on a follower). */
  private readonly followers = new Map<number, FollowerState>();
  private readonly proposeIsr: (partition: Partition, newIsr: number[]) => void;
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
    this.leaderEpoch = options.layout.leaderEpoch;
    this.partitionEpoch = options.layout.partitionEpoch;
    this.minInsyncReplicas = options.minInsyncReplicas;
    this.proposeIsr = options.proposeIsr;
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

  /** The leader's view of a follower (for tests and demos). */
  follower(id: number): FollowerState | undefined {
    return this.followers.get(id);
  }

  /**
   * Takes the partition's state as the controller decided it. A new leader epoch means a new
   * leader: a leader starts its followers afresh (it knows nothing of their logs until they
   * fetch, and gives each a whole lag time to do so). The same epoch with a newer version is an
   * ISR change, the answer to an AlterPartition.
   */
  update(state: PartitionState): void {
    if (state.leaderEpoch < this.leaderEpoch || (state.leaderEpoch === this.leaderEpoch && state.partitionEpoch <= this.partitionEpoch)) return; // old news
    const newLeader = state.leaderEpoch > this.leaderEpoch;
    this.leader = state.leader;
    this.replicas = state.replicas;
    this.isr = state.isr;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.pendingIsr = null;
    if (newLeader) this.resetFollowers();
  }

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
    if (acks === -1 && this.isr.length < this.minInsyncReplicas) {
      throw new KafkaError(
        'NOT_ENOUGH_REPLICAS',
        `${this.name} has ${this.isr.length} in-sync replica(s) (${this.isr.join(', ')}) but min.insync.replicas is ${this.minInsyncReplicas}: acks=all writes wait until enough followers catch up (acks=1 still works)`,
      );
    }
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
    follower.logEndOffset = fetchOffset;
    this.maybeExpandIsr(replicaId, follower);
    return this.maybeAdvanceHighWatermark();
    // #endregion caught-up
  }

  // #region expand-isr
  /** A follower outside the ISR that has reached the high watermark comes back in. */
  private maybeExpandIsr(replicaId: number, follower: FollowerState): void {
    if (this.isr.includes(replicaId) || follower.logEndOffset < this.hw) return;
    this.alterIsr([...this.isr, replicaId], `broker ${replicaId} caught up to the high watermark ${this.hw}`);
  }
  // #endregion expand-isr

  /**
   * Drops from the ISR every follower that has not been caught up for longer than `lagTimeMs`
   * (Kafka checks every half lag time). Returns whether the high watermark moved: the slow
   * follower no longer holds it back.
   */
  maybeShrinkIsr(lagTimeMs: number): boolean {
    if (!this.isLeader) return false;
    // #region shrink-isr
    const now = this.now();
    const lagging = this.isr.filter((id) => id !== this.localId && now - (this.followers.get(id)?.lastCaughtUpTimeMs ?? 0) > lagTimeMs);
    // Until the controller agrees, the laggard still counts: the high watermark moves when it does.
    if (lagging.length > 0) this.alterIsr(this.isr.filter((id) => !lagging.includes(id)), `broker(s) ${lagging.join(', ')} not caught up for over ${lagTimeMs} ms`);
    // #endregion shrink-isr
    return false;
  }

  // #region advance-hw
  /**
   * The high watermark becomes the smallest LEO in the ISR, the leader's own included. It only
   * ever moves forward: what a consumer has been allowed to read stays readable.
   */
  maybeAdvanceHighWatermark(): boolean {
    const ends = this.maximalIsr.map((id) => (id === this.localId ? this.log.logEndOffset : (this.followers.get(id)?.logEndOffset ?? 0)));
    const candidate = Math.min(...ends);
    if (candidate <= this.hw) return false;
    this.hw = candidate;
    return true;
  }
  // #endregion advance-hw

  /** On a follower: the leader's high watermark, as far as this replica's own log goes. */
  updateHighWatermarkAsFollower(leaderHighWatermark: number): void {
    this.hw = Math.max(this.hw, Math.min(leaderHighWatermark, this.log.logEndOffset));
  }

  /** Whether the leader still counts enough in-sync replicas for acks=all (checked again after waiting). */
  get hasEnoughReplicas(): boolean {
    return this.isr.length >= this.minInsyncReplicas;
  }

  state(): PartitionState {
    return { partition: this.partition, leader: this.leader, replicas: this.replicas, isr: this.isr, leaderEpoch: this.leaderEpoch, partitionEpoch: this.partitionEpoch };
  }
}
