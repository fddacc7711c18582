// JoinGroup: joins a group, or rejoins it for a rebalance; answered once the rebalance completes.
//> step 09 rewrites: the request is Kafka's JoinGroup v2 on the wire, member metadata as bytes
//
// Kafka's JoinGroup is api key 11; this broker speaks version 2. Version 1 added
// rebalance_timeout_ms, version 2 throttle_time_ms (first in the response). Version 4 makes a
// new member join twice (once to get its id), version 5 adds static membership
// (group_instance_id): neither is spoken here.
import type { ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { array, bytes, int16, int32, string, struct, type Infer } from './types.ts';

export interface GroupProtocol {
  /** An assignor's name, such as "range". */
  name: string;
  /** The member's subscription, as opaque bytes the coordinator never reads. */
  metadata: Buffer;
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
  members: Array<{ memberId: string; metadata: Buffer }>;
}

const requestV2 = struct({
  groupId: string,
  sessionTimeoutMs: int32,
  rebalanceTimeoutMs: int32,
  memberId: string,
  protocolType: string,
  protocols: array(struct({ name: string, metadata: bytes })),
});

const responseV2 = struct({
  throttleTimeMs: int32,
  errorCode: int16,
  generationId: int32,
  protocolName: string,
  leader: string,
  memberId: string,
  members: array(struct({ memberId: string, metadata: bytes })),
});

export const joinGroupApi: ApiCodec<Omit<JoinGroupRequest, 'correlationId'>, JoinGroupResponse, Infer<typeof requestV2>, Infer<typeof responseV2>> = {
  key: 11,
  kafkaName: 'JoinGroup',
  minVersion: 2,
  maxVersion: 2,
  requestSchema: () => requestV2,
  responseSchema: () => responseV2,
  requestFromWire(wire) {
    if (wire.protocols.length === 0) throw new InvalidRequestError('protocols must name at least one assignor the member can use');
    return {
      type: 'joinGroup',
      groupId: nonEmpty(wire.groupId, 'group_id'),
      memberId: wire.memberId,
      // The timeouts become Node timers: below zero one would fire at once.
      sessionTimeoutMs: atLeast(0, wire.sessionTimeoutMs, 'session_timeout_ms'),
      rebalanceTimeoutMs: atLeast(0, wire.rebalanceTimeoutMs, 'rebalance_timeout_ms'),
      protocolType: nonEmpty(wire.protocolType, 'protocol_type'),
      // Copied: the group keeps them for the whole generation, and a slice would keep alive the
      // whole network read the request came in.
      protocols: wire.protocols.map(({ name, metadata }) => ({ name, metadata: Buffer.from(metadata) })),
    };
  },
  requestToWire: ({ groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, protocolType, protocols }) => ({ groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, protocolType, protocols }),
  responseToWire(response, request) {
    if ('error' in response) {
      return { throttleTimeMs: 0, errorCode: errorCode(response.error), generationId: -1, protocolName: '', leader: '', memberId: request.memberId, members: [] };
    }
    return { throttleTimeMs: 0, errorCode: 0, ...response };
  },
  responseFromWire({ errorCode: code, generationId, protocolName, leader, memberId, members }) {
    const error = errorFromCode(code);
    return error ? { error } : { generationId, protocolName, leader, memberId, members };
  },
};
//<
