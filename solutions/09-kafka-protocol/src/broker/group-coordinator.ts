// The group coordinator: the part of a broker that runs consumer groups (Kafka's
// GroupCoordinator, classic protocol).
//
// A rebalance happens in two rounds of requests:
//
//   1. joinGroup. Every member sends one, and the coordinator holds each answer until all members
//      have come (or the rebalance timeout removes the ones that did not). Then it starts a new
//      generation, picks a leader and an assignor, and answers everyone; the leader's answer
//      carries every member's subscription.
//   2. syncGroup. The leader computes the assignment and sends it; the others' syncGroup waits
//      for it. Each member gets its own share and the group is Stable.
//
// Between rebalances, members send heartbeats. A heartbeat is how a member learns that a
// rebalance has begun (the answer is REBALANCE_IN_PROGRESS: rejoin), and a member that sends none
// for its session timeout is removed, which starts a rebalance among the others.
import { randomUUID } from 'node:crypto';
import type { ConsumerOffsets } from './consumer-offsets.ts';
import { KafkaError } from '../common/errors.ts';
import { GroupMetadata, type MemberMetadata } from './group-metadata.ts';
import type { DescribedGroup, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse } from '../protocol/index.ts';

export interface GroupCoordinatorOptions {
  /** Where committed offsets are kept (the __consumer_offsets log). */
  offsets: ConsumerOffsets;
  /** The shortest session a member may ask for; Kafka's `group.min.session.timeout.ms` (6 s). */
  minSessionTimeoutMs?: number;
  /** The longest; Kafka's `group.max.session.timeout.ms` (30 minutes). */
  maxSessionTimeoutMs?: number;
  /** How long a new group waits for more members; Kafka's `group.initial.rebalance.delay.ms` (3 s). */
  initialRebalanceDelayMs?: number;
  log?: (line: string) => void;
}

export const GROUP_DEFAULTS = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
} as const;

/** A group as `describeGroup` shows it, for tests, demos and kcat. */
export interface GroupDescription {
  groupId: string;
  state: GroupMetadata['state'] | 'Dead';
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  /** Each member's assignment (when Stable) and the request it has parked, if any. */
  //> step 09 rewrites: member metadata and assignments are Kafka's opaque bytes, not base64 strings
  members: Array<{ memberId: string; assignment: Buffer; waitingFor: 'join' | 'sync' | null }>;
  //<
}

export class GroupCoordinator {
  private readonly groups = new Map<string, GroupMetadata>();
  private readonly offsets: ConsumerOffsets;
  private readonly minSessionTimeoutMs: number;
  private readonly maxSessionTimeoutMs: number;
  private readonly initialRebalanceDelayMs: number;
  private readonly log: (line: string) => void;

  constructor(options: GroupCoordinatorOptions) {
    this.offsets = options.offsets;
    this.minSessionTimeoutMs = options.minSessionTimeoutMs ?? GROUP_DEFAULTS.minSessionTimeoutMs;
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? GROUP_DEFAULTS.maxSessionTimeoutMs;
    this.initialRebalanceDelayMs = options.initialRebalanceDelayMs ?? GROUP_DEFAULTS.initialRebalanceDelayMs;
    this.log = options.log ?? (() => {});
  }

  /** A member joins (memberId "") or rejoins; answered when the rebalance completes. */
  join(request: JoinGroupRequest): Promise<JoinGroupResponse> {
    const { groupId, sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols } = request;
    if (sessionTimeoutMs < this.minSessionTimeoutMs || sessionTimeoutMs > this.maxSessionTimeoutMs) {
      throw new KafkaError('INVALID_SESSION_TIMEOUT', `sessionTimeoutMs ${sessionTimeoutMs} is outside what this broker allows: ${this.minSessionTimeoutMs} to ${this.maxSessionTimeoutMs} ms (its groupMinSessionTimeoutMs and groupMaxSessionTimeoutMs)`);
    }
    // Only a new member may bring a group into being; a made-up member id finds nothing.
    if (request.memberId !== '' && !this.groups.has(groupId)) throw unknownMember(groupId, request.memberId);
    const group = this.groupFor(groupId);
    if (!group.accepts(protocolType, protocols)) {
      const offered = protocols.map((protocol) => protocol.name).join(', ');
      const why = protocolType === group.protocolType ? `none of this member's assignors (${offered}) is supported by every member already in it` : `it is a "${group.protocolType}" group and this member announced "${protocolType}"`;
      throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `cannot join group "${groupId}": ${why}`);
    }
    let member: MemberMetadata;
    if (request.memberId === '') {
      member = this.addMember(group, request);
    } else {
      const known = group.members.get(request.memberId);
      if (!known) throw unknownMember(groupId, request.memberId);
      // A retried join replaces one still parked: answer the old one, so that no request hangs.
      known.awaitingJoin?.reject(new KafkaError('REBALANCE_IN_PROGRESS', `a newer joinGroup from ${known.memberId} replaced this one`));
      member = Object.assign(known, { sessionTimeoutMs, rebalanceTimeoutMs, protocols, awaitingJoin: null });
    }
    const answer = new Promise<JoinGroupResponse>((resolve, reject) => (member.awaitingJoin = { resolve, reject }));
    // A member waiting for its join answer cannot heartbeat, and is not expected to.
    this.clearSessionTimer(member);
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, request.memberId === '' ? `${member.memberId} joined` : `${member.memberId} rejoined`);
    this.maybeCompleteJoin(group);
    return answer;
  }

  private addMember(group: GroupMetadata, request: JoinGroupRequest): MemberMetadata {
    let memberId: string;
    do memberId = `consumer-${randomUUID().slice(0, 8)}`;
    while (group.members.has(memberId));
    const member: MemberMetadata = {
      memberId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocols: request.protocols,
      //> step 09 rewrites
      assignment: Buffer.alloc(0),
      //<
      awaitingJoin: null,
      awaitingSync: null,
      sessionTimer: null,
    };
    if (group.members.size === 0) group.protocolType = request.protocolType;
    group.members.set(memberId, member);
    return member;
  }

  /** Starts gathering the members for a new generation. */
  private prepareRebalance(group: GroupMetadata, reason: string): void {
    // Members still waiting for the old generation's assignment will never get it: they must rejoin.
    for (const member of group.members.values()) {
      if (!member.awaitingSync) continue;
      member.awaitingSync.reject(new KafkaError('REBALANCE_IN_PROGRESS', `group "${group.groupId}" started another rebalance (${reason}); rejoin`));
      member.awaitingSync = null;
      this.scheduleSessionTimeout(group, member);
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.log(`Preparing to rebalance group "${group.groupId}" in generation ${group.generationId}: ${reason}`);
    // A new group waits initialRebalanceDelayMs, so that consumers started together share one
    // rebalance instead of one each. Otherwise it waits for every member, at most the longest
    // rebalance timeout; members that have not rejoined by then are removed.
    group.waitingForMoreMembers = wasEmpty && this.initialRebalanceDelayMs > 0;
    const timeoutMs = group.waitingForMoreMembers ? this.initialRebalanceDelayMs : group.longestRebalanceTimeoutMs();
    clearTimeout(group.rebalanceTimer ?? undefined);
    group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), timeoutMs);
    group.rebalanceTimer.unref();
  }

  private onRebalanceTimeout(group: GroupMetadata): void {
    group.waitingForMoreMembers = false;
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin) continue;
      this.log(`Member ${member.memberId} of group "${group.groupId}" did not rejoin within its rebalance timeout (${member.rebalanceTimeoutMs} ms): removing it`);
      this.clearSessionTimer(member);
      group.members.delete(member.memberId);
    }
    this.completeJoin(group);
  }

  private maybeCompleteJoin(group: GroupMetadata): void {
    if (group.state === 'PreparingRebalance' && !group.waitingForMoreMembers && group.allMembersJoined()) this.completeJoin(group);
  }

  /** Every member is in: a new generation begins, and every waiting joinGroup is answered. */
  private completeJoin(group: GroupMetadata): void {
    clearTimeout(group.rebalanceTimer ?? undefined);
    group.rebalanceTimer = null;
    group.generationId += 1;
    if (group.members.size === 0) return this.becomeEmpty(group);
    group.protocolName = group.selectProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.state = 'CompletingRebalance';
    this.log(`Stabilized group "${group.groupId}" generation ${group.generationId} with ${group.members.size} member(s): leader ${group.leaderId}, assignor ${group.protocolName}`);
    const everyone = [...group.members.values()].map((member) => ({ memberId: member.memberId, metadata: group.metadataOf(member) }));
    for (const member of group.members.values()) {
      const isLeader = member.memberId === group.leaderId;
      member.awaitingJoin!.resolve({
        generationId: group.generationId,
        protocolName: group.protocolName,
        leader: group.leaderId,
        memberId: member.memberId,
        members: isLeader ? everyone : [],
      });
      member.awaitingJoin = null;
      this.scheduleSessionTimeout(group, member);
    }
    if (group.state === 'CompletingRebalance') this.awaitSyncs(group);
  }

  /**
   * A leader that heartbeats but never syncs would leave every follower parked for ever (Kafka's
   * KAFKA-12890). So the syncs get the rebalance timeout too: members that have not synced by
   * then are removed, and the others rebalance without them.
   */
  private awaitSyncs(group: GroupMetadata): void {
    const generationId = group.generationId;
    group.rebalanceTimer = setTimeout(() => {
      if (group.state !== 'CompletingRebalance' || group.generationId !== generationId) return;
      // Chosen first: removing the first of them starts a rebalance, which answers the parked syncs.
      const silent = [...group.members.values()].filter((member) => !member.awaitingSync);
      for (const member of silent) {
        this.log(`Member ${member.memberId} of group "${group.groupId}" did not sync within its rebalance timeout: removing it`);
        this.removeMember(group, member, `${member.memberId} did not sync`);
      }
    }, group.longestRebalanceTimeoutMs());
    group.rebalanceTimer.unref();
  }

  /** The last member has gone: a group with no members, no leader and no assignor. */
  private becomeEmpty(group: GroupMetadata): void {
    group.state = 'Empty';
    group.leaderId = null;
    group.protocolName = null;
    this.log(`Group "${group.groupId}" is empty in generation ${group.generationId}`);
  }

  /** The leader delivers the assignment; every member's syncGroup is answered with its share. */
  sync(request: SyncGroupRequest): Promise<SyncGroupResponse> {
    const { group, member } = this.memberOf(request.groupId, request.memberId);
    this.checkGeneration(group, request.generationId);
    // A retried sync replaces one still parked: answer the old one, so that no request hangs.
    member.awaitingSync?.reject(new KafkaError('REBALANCE_IN_PROGRESS', `a newer syncGroup from ${member.memberId} replaced this one`));
    member.awaitingSync = null;
    if (group.state === 'PreparingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', `group "${group.groupId}" is rebalancing again; rejoin`);
    if (group.state === 'Stable') return Promise.resolve({ assignment: member.assignment });
    const answer = new Promise<SyncGroupResponse>((resolve, reject) => (member.awaitingSync = { resolve, reject }));
    this.clearSessionTimer(member);
    if (member.memberId === group.leaderId) {
      const shares = new Map(request.assignments.map(({ memberId, assignment }) => [memberId, assignment]));
      //> step 09 rewrites
      for (const each of group.members.values()) each.assignment = shares.get(each.memberId) ?? Buffer.alloc(0);
      //<
      group.state = 'Stable';
      clearTimeout(group.rebalanceTimer ?? undefined); // the wait for the leader's sync is over
      this.log(`Group "${group.groupId}" is stable in generation ${group.generationId}: the leader sent the assignment`);
      for (const each of group.members.values()) {
        if (!each.awaitingSync) continue;
        each.awaitingSync.resolve({ assignment: each.assignment });
        each.awaitingSync = null;
        this.scheduleSessionTimeout(group, each);
      }
    }
    return answer;
  }

  // #region heartbeat
  /** A member is alive. The answer tells it whether to rejoin. */
  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    const { group, member } = this.memberOf(request.groupId, request.memberId);
    this.checkGeneration(group, request.generationId);
    this.scheduleSessionTimeout(group, member);
    if (group.state === 'PreparingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', `group "${group.groupId}" is rebalancing; rejoin with joinGroup`);
    return {};
  }
  // #endregion heartbeat

  /** A member leaves on purpose: the others rebalance now rather than after its session timeout. */
  leave(request: LeaveGroupRequest): LeaveGroupResponse {
    const { group, member } = this.memberOf(request.groupId, request.memberId);
    this.log(`Member ${member.memberId} is leaving group "${group.groupId}"`);
    this.removeMember(group, member, `${member.memberId} left`);
    return {};
  }

  /** (Re)starts the countdown that removes a silent member. */
  private scheduleSessionTimeout(group: GroupMetadata, member: MemberMetadata): void {
    this.clearSessionTimer(member);
    // A member waiting on a join or a sync cannot heartbeat meanwhile: no countdown for it.
    if (member.awaitingJoin || member.awaitingSync) return;
    member.sessionTimer = setTimeout(() => {
      this.log(`Member ${member.memberId} of group "${group.groupId}" sent no heartbeat for ${member.sessionTimeoutMs} ms: removing it`);
      this.removeMember(group, member, `${member.memberId}'s session timed out`);
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  /** Takes a member out of the group; the others rebalance without it. */
  private removeMember(group: GroupMetadata, member: MemberMetadata, reason: string): void {
    this.clearSessionTimer(member);
    group.members.delete(member.memberId);
    member.awaitingJoin?.reject(unknownMember(group.groupId, member.memberId));
    member.awaitingSync?.reject(unknownMember(group.groupId, member.memberId));
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, reason);
    this.maybeCompleteJoin(group);
  }

  private clearSessionTimer(member: MemberMetadata): void {
    clearTimeout(member.sessionTimer ?? undefined);
    member.sessionTimer = null;
  }

  /** Stores a group's offsets, unless the member is not in the current generation. */
  commitOffsets(request: OffsetCommitRequest, now = Date.now()): OffsetCommitResponse {
    const group = this.groups.get(request.groupId);
    // A consumer without a group membership may still keep its offsets here, as long as the group has no members.
    const standalone = request.generationId === -1 && request.memberId === '' && (!group || group.members.size === 0);
    if (!standalone) {
      const { group, member } = this.memberOf(request.groupId, request.memberId);
      this.checkGeneration(group, request.generationId);
      if (group.state === 'CompletingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', `group "${group.groupId}" is between generations; commit after the rebalance`);
      this.scheduleSessionTimeout(group, member);
    }
    this.offsets.commit(request.groupId, request.offsets, now);
    return {};
  }

  /** The group's committed offset for each partition asked for; -1 where there is none. */
  fetchOffsets(request: OffsetFetchRequest): OffsetFetchResponse {
    const partitions = request.partitions.map(({ topic, partition }) => {
      const committed = this.offsets.committed(request.groupId, topic, partition);
      return { topic, partition, offset: committed?.offset ?? -1, metadata: committed?.metadata ?? '' };
    });
    return { partitions };
  }

  /**
   * A snapshot of one group. A group known only by its commits (the broker restarted, and no member
   * has rejoined yet) is 'Empty', and one with neither members nor commits is 'Dead', as Kafka reports them.
   */
  describe(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (!group) {
      const state = this.offsets.groups().includes(groupId) ? 'Empty' : 'Dead';
      return { groupId, state, generationId: state === 'Empty' ? 0 : -1, protocolName: null, leaderId: null, members: [] };
    }
    // As in Kafka, assignments are shown only when the group is Stable: otherwise they are the last generation's.
    const members = [...group.members.values()].map((member) => ({
      memberId: member.memberId,
      //> step 09 rewrites
      assignment: group.state === 'Stable' ? member.assignment : Buffer.alloc(0),
      //<
      waitingFor: member.awaitingJoin ? ('join' as const) : member.awaitingSync ? ('sync' as const) : null,
    }));
    return { groupId, state: group.state, generationId: group.generationId, protocolName: group.protocolName, leaderId: group.leaderId, members };
  }

  /** Every group held here and its protocol type, as the listGroups request answers: those known only by their commits too. */
  list(): Array<{ groupId: string; protocolType: string }> {
    const live = [...this.groups.values()].map((group) => ({ groupId: group.groupId, protocolType: group.protocolType ?? '' }));
    // No member has told this coordinator the group's protocol since it restarted: Kafka's '' for unknown.
    const committedOnly = this.offsets.groups().filter((groupId) => !this.groups.has(groupId)).map((groupId) => ({ groupId, protocolType: '' }));
    return [...live, ...committedOnly];
  }

  /** One group as the describeGroups request answers it: describe()'s snapshot, in the request's shape. */
  describeForClient(groupId: string): DescribedGroup {
    const { state, generationId, protocolName, leaderId, members } = this.describe(groupId);
    const protocolType = this.groups.get(groupId)?.protocolType ?? '';
    return { groupId, state, protocolType, protocolName: protocolName ?? '', generationId, leaderId: leaderId ?? '', members: members.map(({ memberId, assignment }) => ({ memberId, assignment })) };
  }

  /** Stops every timer and fails every parked request (the broker is stopping). */
  shutdown(): void {
    this.unload([...this.groups.keys()], new KafkaError('COORDINATOR_NOT_AVAILABLE', 'the broker is shutting down'));
  }

  /**
   * Forgets these groups, as a coordinator that stops being theirs must: their timers stop, and
   * every request they have parked fails with `error`, so that its member asks again elsewhere.
   */
  unload(groupIds: string[], error: KafkaError): void {
    for (const groupId of groupIds) {
      const group = this.groups.get(groupId);
      if (!group) continue;
      clearTimeout(group.rebalanceTimer ?? undefined);
      for (const member of group.members.values()) {
        this.clearSessionTimer(member);
        member.awaitingJoin?.reject(error);
        member.awaitingSync?.reject(error);
      }
      this.groups.delete(groupId);
    }
  }

  private groupFor(groupId: string): GroupMetadata {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new GroupMetadata(groupId)));
    return group;
  }

  private memberOf(groupId: string, memberId: string): { group: GroupMetadata; member: MemberMetadata } {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) throw unknownMember(groupId, memberId);
    return { group, member };
  }

  private checkGeneration(group: GroupMetadata, generationId: number): void {
    if (generationId !== group.generationId) {
      throw new KafkaError('ILLEGAL_GENERATION', `generation ${generationId} of group "${group.groupId}" is over (it is in generation ${group.generationId}): the group rebalanced, so rejoin`);
    }
  }
}

function unknownMember(groupId: string, memberId: string): KafkaError {
  return new KafkaError('UNKNOWN_MEMBER_ID', `group "${groupId}" has no member "${memberId}" (it left, or was removed after its session timed out); join again with memberId ""`);
}
