// JoinGroup: joins a group, or rejoins it for a rebalance; answered once the rebalance completes.
import type { Fields } from './fields.ts';

export interface GroupProtocol {
  /** An assignor's name, such as "range". */
  name: string;
  /** The member's subscription, as opaque bytes (base64). */
  metadata: string;
}

export interface JoinGroupRequest {
  type: 'joinGroup';
  correlationId: number;
  groupId: string;
  /** Empty the first time: the coordinator gives the member its id. */
  memberId: string;
  /** Without a heartbeat for this long, the member is out; Kafka's `session.timeout.ms`. */
  sessionTimeoutMs: number;
  /** How long a rebalance waits for this member to rejoin; Kafka's `max.poll.interval.ms`. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** The assignors the member can use, preferred first. */
  protocols: GroupProtocol[];
}

export interface JoinGroupResponse {
  generationId: number;
  /** The assignor every member supports that got the most first choices. */
  protocolName: string;
  /** The member id of the leader, which computes the assignment. */
  leader: string;
  memberId: string;
  /** Every member and its metadata for the chosen protocol; only the leader gets them. */
  members: Array<{ memberId: string; metadata: string }>;
}

export function parseJoinGroup(request: Fields): Omit<JoinGroupRequest, 'type' | 'correlationId'> {
  const protocols = request.list('protocols', (protocol) => ({ name: protocol.string('name'), metadata: protocol.base64('metadata') }));
  if (protocols.length === 0) throw request.invalid('"protocols" must name at least one assignor: a list of { name, metadata }');
  return {
    groupId: request.string('groupId'),
    memberId: request.string('memberId', { empty: true }),
    // Timeouts are int32 ms, as in Kafka: also the longest delay a Node timer takes.
    sessionTimeoutMs: request.int('sessionTimeoutMs'),
    rebalanceTimeoutMs: request.int('rebalanceTimeoutMs'),
    protocolType: request.string('protocolType'),
    protocols,
  };
}
