// The consumer's side of a group (Kafka's ConsumerCoordinator): joining, the leader's
// assignment, heartbeats, commits and leaving.
//
// It talks to the group's coordinator over a connection of its own, as Kafka's clients do:
// a fetch may wait at the broker for up to fetchMaxWaitMs, and a heartbeat queued behind it on
// the same connection would wait that long too.
//
// Rebalancing is EAGER, as in Kafka's classic protocol: before rejoining, a member gives up
// every partition it owns (committing first, when auto-commit is on); after the sync it reads
// its new partitions from the group's committed offsets. Nobody reads a partition twice at once,
// at the price of everyone pausing for the rebalance.
import type { Cluster } from './cluster.ts';
import { Connection } from '../network/connection.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';
import { KafkaError } from '../common/errors.ts';
import type { PartitionAssignor } from './partition-assignor.ts';
import type { CommittedPartition, JoinGroupResponse, RequestBody, RequestType, ResponseOf } from '../protocol/index.ts';

export interface GroupMembershipOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** The assignors this member can use, preferred first. */
  assignors: PartitionAssignor[];
  log: (line: string) => void;
}

/** What the consumer does when partitions are taken away or handed over (Kafka's ConsumerRebalanceListener). */
export interface RebalanceListener {
  /** Before rejoining: the last chance to commit what was read from them. */
  onPartitionsRevoked(partitions: TopicPartition[]): Promise<void>;
  /** After the sync: start reading them. */
  onPartitionsAssigned(partitions: TopicPartition[]): Promise<void>;
}

/** Errors that mean "this member's generation is over: join again". */
const REJOIN_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** A commit the coordinator refused because the group moved on without this member. */
export class CommitFailedError extends KafkaError {
  override name = 'CommitFailedError';
}

export class ConsumerCoordinator {
  memberId = '';
  generationId = -1;
  private assigned: TopicPartition[] = [];
  private rejoinNeeded = true;
  private coordinator: Connection | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly options: GroupMembershipOptions,
    /** The client's view of the cluster; any broker there can say which one coordinates the group. */
    private readonly cluster: Cluster,
    /** The partition count of each topic (the leader needs it to assign). */
    private readonly partitionCounts: (topics: string[]) => Promise<Map<string, number>>,
  ) {}

  get groupId(): string {
    return this.options.groupId;
  }

  /** The partitions this member owns in the current generation. */
  get assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  /** True once a heartbeat (or a refused commit) has said the group is rebalancing. */
  get needsRejoin(): boolean {
    return this.rejoinNeeded;
  }

  /** Joins the group, or rejoins it after a rebalance began; does nothing while the membership is current. */
  async ensureActiveGroup(listener: RebalanceListener): Promise<void> {
    while (this.rejoinNeeded && !this.closed) {
      this.stopHeartbeats();
      if (this.assigned.length > 0) {
        await listener.onPartitionsRevoked(this.assigned);
        this.assigned = [];
      }
      try {
        await this.joinAndSync(listener);
      } catch (error) {
        if (this.closed) return; // close() abandoned this rebalance on purpose
        if (!(error instanceof KafkaError && REJOIN_ERRORS.has(error.code))) throw error;
        this.generationOver(error.code); // after UNKNOWN_MEMBER_ID we join as a new member
        this.options.log(`Joining group "${this.options.groupId}" again: ${error.message}`);
      }
    }
  }

  /** One rebalance as this member lives it: join, compute the assignment if it leads, sync. */
  private async joinAndSync(listener: RebalanceListener): Promise<void> {
    const { groupId, topics, sessionTimeoutMs, rebalanceTimeoutMs, assignors } = this.options;
    const protocols = assignors.map((assignor) => ({ name: assignor.name, metadata: encodeSubscription({ topics }) }));
    const join = await this.request({ type: 'joinGroup', groupId, memberId: this.memberId, sessionTimeoutMs, rebalanceTimeoutMs, protocolType: CONSUMER_PROTOCOL_TYPE, protocols });
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const isLeader = join.leader === join.memberId;
    const assignments = isLeader ? await this.assign(join) : [];
    const sync = await this.request({ type: 'syncGroup', groupId, generationId: this.generationId, memberId: this.memberId, assignments });
    this.assigned = decodeAssignment(sync.assignment).partitions;
    this.rejoinNeeded = false;
    this.startHeartbeats();
    const owned = this.assigned.map(({ topic, partition }) => `${topic}-${partition}`).join(', ') || 'nothing';
    this.options.log(`Joined group "${groupId}" as ${this.memberId} in generation ${this.generationId}${isLeader ? ` (leader, ${join.protocolName} assignor)` : ''}: assigned ${owned}`);
    await listener.onPartitionsAssigned(this.assigned);
  }

  /** The leader's job: run the chosen assignor over every member's subscription. */
  private async assign(join: JoinGroupResponse): Promise<Array<{ memberId: string; assignment: string }>> {
    const assignor = this.options.assignors.find((candidate) => candidate.name === join.protocolName);
    if (!assignor) throw new Error(`the coordinator chose the "${join.protocolName}" assignor, which this consumer does not have`);
    const subscriptions = new Map(join.members.map(({ memberId, metadata }) => [memberId, decodeSubscription(metadata).topics]));
    const topics = [...new Set([...subscriptions.values()].flat())];
    const plan = assignor.assign(await this.partitionCounts(topics), subscriptions);
    return [...subscriptions.keys()].map((memberId) => ({ memberId, assignment: encodeAssignment({ partitions: plan.get(memberId) ?? [] }) }));
  }

  // #region heartbeat
  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    // Heartbeats alone should not keep a program alive (Kafka's heartbeat thread is a daemon too).
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    clearInterval(this.heartbeatTimer ?? undefined);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.request({ type: 'heartbeat', groupId: this.options.groupId, generationId: this.generationId, memberId: this.memberId });
    } catch (error) {
      if (this.closed) return;
      if (!(error instanceof KafkaError && REJOIN_ERRORS.has(error.code))) {
        this.options.log(`Heartbeat to the coordinator of "${this.options.groupId}" failed: ${(error as Error).message}`);
        return;
      }
      if (!this.rejoinNeeded) this.options.log(`Group "${this.options.groupId}" needs this member to rejoin: ${error.code}`);
      this.generationOver(error.code);
    }
  }
  // #endregion heartbeat

  /**
   * The coordinator said this member must rejoin. REBALANCE_IN_PROGRESS leaves it a member of its
   * generation until it rejoins, so it keeps heartbeating: a slow loop body then costs a late
   * rejoin (within the rebalance timeout), not an eviction after sessionTimeoutMs. The other two
   * codes mean the generation is over for it: heartbeats stop, and UNKNOWN_MEMBER_ID means the
   * coordinator has forgotten its id too.
   */
  private generationOver(code: string): void {
    this.rejoinNeeded = true;
    if (code === 'REBALANCE_IN_PROGRESS') return;
    this.stopHeartbeats();
    if (code === 'UNKNOWN_MEMBER_ID') this.memberId = '';
  }

  /** Commits offsets for the current generation; a refusal means the partitions may belong to someone else now. */
  async commit(offsets: CommittedPartition[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.request({ type: 'offsetCommit', groupId: this.options.groupId, generationId: this.generationId, memberId: this.memberId, offsets });
    } catch (error) {
      if (!(error instanceof KafkaError && REJOIN_ERRORS.has(error.code))) throw error;
      this.generationOver(error.code);
      const why: Record<string, string> = {
        ILLEGAL_GENERATION: 'the group has moved on to a newer generation since this member joined',
        UNKNOWN_MEMBER_ID: 'the coordinator removed this member (its session timed out, or it rejoined too late)',
        REBALANCE_IN_PROGRESS: 'the group is in the middle of a rebalance',
      };
      throw new CommitFailedError(
        error.code,
        `group "${this.options.groupId}" refused the commit: ${why[error.code]}. ` +
          'Its partitions may go to another member, which reads again from the last successful commit: that is at-least-once delivery.',
      );
    }
  }

  /** The group's committed offset for each partition; partitions without one are left out. */
  async committed(partitions: TopicPartition[]): Promise<Map<string, number>> {
    const response = await this.request({ type: 'offsetFetch', groupId: this.options.groupId, partitions });
    const offsets = new Map<string, number>();
    for (const { topic, partition, offset } of response.partitions) if (offset >= 0) offsets.set(`${topic}-${partition}`, offset);
    return offsets;
  }

  /** Leaves the group at once, so the others rebalance now instead of after sessionTimeoutMs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeats();
    // A join or sync of ours may be parked at the coordinator, and a broker answers a connection's
    // requests in order: a leaveGroup queued behind it would wait for the whole rebalance. So the
    // old connection goes (abandoning whatever is parked) and the goodbye travels on a new one.
    await this.dropCoordinatorConnection();
    let leaving: Promise<unknown> = Promise.resolve();
    if (this.memberId !== '') leaving = this.request({ type: 'leaveGroup', groupId: this.options.groupId, memberId: this.memberId });
    try {
      await leaving;
    } catch (error) {
      this.options.log(`Could not leave group "${this.options.groupId}": ${(error as Error).message}`);
    } finally {
      this.memberId = '';
      this.assigned = [];
      await this.dropCoordinatorConnection();
    }
  }

  private async dropCoordinatorConnection(): Promise<void> {
    const connection = this.coordinator;
    this.coordinator = null;
    await connection?.close();
  }

  /** Sends a request to the group's coordinator, found the first time it is needed. */
  private async request<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>> {
    if (!this.coordinator) {
      const { host, port } = await this.cluster.askAnyBroker({ type: 'findCoordinator', key: this.options.groupId });
      this.coordinator = new Connection(host, port);
    }
    return this.coordinator.request(body);
  }
}
