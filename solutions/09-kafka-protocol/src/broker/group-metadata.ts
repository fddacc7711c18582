// One consumer group as its coordinator sees it (Kafka's GroupMetadata and MemberMetadata).
//
// A group moves through four states:
//
//   Empty ──a member joins──▶ PreparingRebalance ──every member has (re)joined──▶ CompletingRebalance
//     ▲                           │  ▲                                                 │   │ the leader's
//     └──── nobody left ──────────┘  │ a member joins, leaves or falls silent          │   ▼ syncGroup
//                                    └─────────────────────────────────────────────────┴── Stable
//
// PreparingRebalance gathers the members: each one's joinGroup waits here until all have come.
// Completing it starts a new GENERATION, the number that fences everything a member did before:
// a heartbeat, sync or commit naming an older generation is refused.
import type { GroupProtocol, JoinGroupResponse, SyncGroupResponse } from '../protocol/index.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

/** A request the coordinator holds until the rebalance reaches it. */
export interface Parked<T> {
  resolve: (response: T) => void;
  reject: (error: Error) => void;
}

export interface MemberMetadata {
  memberId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** The assignors it supports, preferred first, each with its subscription (opaque bytes). */
  protocols: GroupProtocol[];
  /** Its share of the current generation's assignment, as the leader sent it (opaque bytes). */
  //> step 09 rewrites: member metadata and assignments are Kafka's opaque bytes, not base64 strings
  assignment: Buffer;
  //<
  /** Its joinGroup, while it waits for the other members. */
  awaitingJoin: Parked<JoinGroupResponse> | null;
  /** Its syncGroup, while it waits for the leader's assignment. */
  awaitingSync: Parked<SyncGroupResponse> | null;
  /** Removes the member when it has been silent for sessionTimeoutMs. */
  sessionTimer: NodeJS.Timeout | null;
}

export class GroupMetadata {
  state: GroupState = 'Empty';
  /** Goes up by one with every completed rebalance. */
  generationId = 0;
  /** The member that computes the assignment. */
  leaderId: string | null = null;
  /** "consumer" for consumer groups; every member must announce the same. */
  protocolType: string | null = null;
  /** The assignor chosen for the current generation. */
  protocolName: string | null = null;
  /** In the order they joined: the first becomes the leader. */
  readonly members = new Map<string, MemberMetadata>();
  /** Ends a rebalance that has waited too long for its members. */
  rebalanceTimer: NodeJS.Timeout | null = null;
  /** A new group waits a moment for more members before its first generation. */
  waitingForMoreMembers = false;

  constructor(readonly groupId: string) {}

  /** Could a member with these protocols join? Same type, and at least one assignor in common with everyone. */
  accepts(protocolType: string, protocols: GroupProtocol[]): boolean {
    if (this.members.size === 0) return true;
    return protocolType === this.protocolType && this.commonProtocols(protocols).length > 0;
  }

  /** How long a rebalance step may wait for the members: the longest rebalance timeout any asked for. */
  longestRebalanceTimeoutMs(): number {
    return Math.max(0, ...[...this.members.values()].map((member) => member.rebalanceTimeoutMs));
  }

  /** Has every member sent its joinGroup for this rebalance? */
  allMembersJoined(): boolean {
    return [...this.members.values()].every((member) => member.awaitingJoin !== null);
  }

  /**
   * The assignor for the next generation. Only one every member supports will do; among those,
   * each member votes for the first on its own list, and the most votes win (as in Kafka).
   */
  selectProtocol(): string {
    const candidates = this.commonProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.protocols.find((protocol) => candidates.includes(protocol.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    return [...votes].sort(([, a], [, b]) => b - a)[0]![0];
  }

  /** A member's metadata (its subscription) for the chosen protocol. */
  //> step 09 rewrites
  metadataOf(member: MemberMetadata): Buffer {
    return member.protocols.find((protocol) => protocol.name === this.protocolName)?.metadata ?? Buffer.alloc(0);
  //<
  }

  /** The protocol names every member supports (and `extra`, a member about to join). */
  private commonProtocols(extra?: GroupProtocol[]): string[] {
    const lists = [...this.members.values()].map((member) => member.protocols);
    if (extra) lists.push(extra);
    const [first = [], ...rest] = lists;
    return first.map((protocol) => protocol.name).filter((name) => rest.every((list) => list.some((protocol) => protocol.name === name)));
  }
}
