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
//> step 08 given
//
// From step 08 the coordinator can move: it is the leader of the group's __consumer_offsets
// partition, and when that broker dies the controller elects another leader, which becomes the
// coordinator. The old one answers NOT_COORDINATOR, or is gone and the connection drops. Either
// way this member forgets its coordinator, waits `retryBackoffMs`, asks any broker again
// (FindCoordinator) and carries on there: heartbeats go to the new one, a commit is sent again,
// a join starts over. A new coordinator that does not know the member says UNKNOWN_MEMBER_ID,
// and the member rejoins as a new one, resuming from the group's committed offsets.
import type { Cluster } from './cluster.ts';
import { Connection } from '../network/connection.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';
import { KafkaError } from '../common/errors.ts';
import type { PartitionAssignor } from './partition-assignor.ts';
import type { CommittedPartition, JoinGroupResponse, RequestBody, RequestType, ResponseOf } from '../protocol/index.ts';
import { isCoordinatorLost, sleep, withRetries } from './retry.ts';

export interface GroupMembershipOptions {
  groupId: string;
  topics: string[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  /** The assignors this member can use, preferred first. */
  assignors: PartitionAssignor[];
  /** The wait before looking for a coordinator that moved; Kafka's `retry.backoff.ms`. */
  retryBackoffMs: number;
  /** How long commits and offset fetches keep retrying through a coordinator move; Kafka's `default.api.timeout.ms`. */
  defaultApiTimeoutMs: number;
  //<
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
  //> step 08 given
  /** The connection to the group's coordinator; null until found, and again after it moved. */
  private coordinator: Connection | null = null;
  /** A FindCoordinator on its way, shared by the requests that wait for it. */
  private finding: Promise<Connection> | null = null;
  /** Which broker FindCoordinator named last, so that the log says when the coordinator moves. */
  private lastCoordinator = '';
  //<
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
        //> step 08 given
        if (isCoordinatorLost(error)) {
          // The coordinator moved or died during the rebalance. request() has forgotten it; after
          // the backoff the consumer calls again and the join starts over at the new one. Returning
          // (rather than looping here) lets its loop notice close() and consumerTimeoutMs meanwhile.
          this.options.log(`Joining group "${this.options.groupId}" failed, trying again in ${this.options.retryBackoffMs} ms: ${(error as Error).message}`);
          await sleep(this.options.retryBackoffMs);
          return;
        }
        //<
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
      //> step 08 given
      if (isCoordinatorLost(error)) {
        // request() has forgotten the coordinator: the next heartbeat finds the new one. The member
        // keeps its partitions meanwhile; the new coordinator tells it if it must rejoin.
        this.options.log(`Lost the coordinator of group "${this.options.groupId}" (${(error as Error).message}); the next heartbeat looks for it again`);
        return;
      }
      //<
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

  //> step 08 rewrites: the group's coordinator moves with its offsets partition: the member finds it again
  /**
   * Commits offsets for the current generation; a refusal means the partitions may belong to
   * someone else now. When the coordinator moved, the commit is sent again to the new one, for up
   * to `timeoutMs` (0: one attempt only, as for auto-commits, which the next one covers).
   */
  async commit(offsets: CommittedPartition[], timeoutMs = this.options.defaultApiTimeoutMs): Promise<void> {
    if (offsets.length === 0) return;
    const { groupId, retryBackoffMs, log } = this.options;
    try {
      // Generation and member id are read at each attempt: a retry carries the current ones.
      const attempt = () => this.request({ type: 'offsetCommit', groupId, generationId: this.generationId, memberId: this.memberId, offsets });
      await withRetries(`the commit of group "${groupId}"`, { backoffMs: retryBackoffMs, timeoutMs, retriable: isCoordinatorLost, log }, attempt);
      //<
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
    //> step 08 rewrites
    const { groupId, retryBackoffMs, defaultApiTimeoutMs, log } = this.options;
    const options = { backoffMs: retryBackoffMs, timeoutMs: defaultApiTimeoutMs, retriable: isCoordinatorLost, log, stop: () => this.closed };
    const response = await withRetries(`the committed offsets of group "${groupId}"`, options, () => this.request({ type: 'offsetFetch', groupId, partitions }));
    //<
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

  //> step 08 rewrites
  /**
   * Sends a request to the group's coordinator, found the first time it is needed. When the answer
   * says it is not the coordinator (any more), or the connection to it fails, it is forgotten, so
   * that the next request looks for it again; the error goes to the caller, which retries.
   */
  private async request<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>> {
    const connection = await this.coordinatorConnection();
    try {
      return await connection.request(body);
    } catch (error) {
      if (isCoordinatorLost(error)) this.coordinatorLost(connection, error as Error);
      throw error;
    }
  }

  /** The coordinator's connection; asks any broker which one it is (FindCoordinator) when unknown. */
  private async coordinatorConnection(): Promise<Connection> {
    if (this.coordinator) return this.coordinator;
    this.finding ??= this.findCoordinator().finally(() => (this.finding = null));
    const found = await this.finding;
    this.coordinator ??= found;
    return this.coordinator;
  }

  private async findCoordinator(): Promise<Connection> {
    const { nodeId, host, port } = await this.cluster.askAnyBroker({ type: 'findCoordinator', key: this.options.groupId });
    const found = `broker ${nodeId} at ${host}:${port}`;
    if (found !== this.lastCoordinator) this.options.log(`Group "${this.options.groupId}" is coordinated by ${found}`);
    this.lastCoordinator = found;
    return new Connection(host, port);
  }

  /** Forgets a coordinator that failed, unless another request has already found the new one. */
  private coordinatorLost(connection: Connection, error: Error): void {
    if (this.coordinator !== connection) return;
    this.coordinator = null;
    this.options.log(`The coordinator of group "${this.options.groupId}" at ${connection.address} is lost (${error.message}): looking for it again`);
    void connection.close(); // whatever still waits there fails, and is retried at the new coordinator
  }
  //<
}
