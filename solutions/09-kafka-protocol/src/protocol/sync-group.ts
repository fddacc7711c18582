// SyncGroup: the second half of a rebalance. The leader sends the assignment, every member gets its share.
//> step 09 rewrites: the request is Kafka's SyncGroup v1 on the wire, assignments as bytes
//
// Kafka's SyncGroup is api key 14; this broker speaks version 1, which added throttle_time_ms
// (first in the response) to version 0. Version 3 adds static membership (group_instance_id).
import type { ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, bytes, int16, int32, string, struct, type Infer } from './types.ts';

export interface SyncGroupRequest {
  type: 'syncGroup';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
  /** From the leader: each member's assignment (opaque bytes); empty from everyone else. */
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface SyncGroupResponse {
  /** This member's share, as the leader encoded it; empty when the leader gave it nothing. */
  assignment: Buffer;
}

const requestV1 = struct({ groupId: string, generationId: int32, memberId: string, assignments: array(struct({ memberId: string, assignment: bytes })) });
const responseV1 = struct({ throttleTimeMs: int32, errorCode: int16, assignment: bytes });

export const syncGroupApi: ApiCodec<Omit<SyncGroupRequest, 'correlationId'>, SyncGroupResponse, Infer<typeof requestV1>, Infer<typeof responseV1>> = {
  key: 14,
  kafkaName: 'SyncGroup',
  minVersion: 1,
  maxVersion: 1,
  requestSchema: () => requestV1,
  responseSchema: () => responseV1,
  requestFromWire: (wire) => ({
    type: 'syncGroup',
    groupId: nonEmpty(wire.groupId, 'group_id'),
    // -1 is "not a member of any generation", which the coordinator refuses with its own error.
    generationId: atLeast(-1, wire.generationId, 'generation_id'),
    memberId: nonEmpty(wire.memberId, 'member_id'),
    // Copied: the coordinator keeps them until every member has collected its share, and a
    // slice would keep alive the whole network read the request came in.
    assignments: wire.assignments.map(({ memberId, assignment }) => ({ memberId, assignment: Buffer.from(assignment) })),
  }),
  requestToWire: ({ groupId, generationId, memberId, assignments }) => ({ groupId, generationId, memberId, assignments }),
  responseToWire: (response) => ({
    throttleTimeMs: 0,
    errorCode: errorCode('error' in response ? response.error : undefined),
    assignment: 'error' in response ? Buffer.alloc(0) : response.assignment,
  }),
  responseFromWire({ errorCode: code, assignment }) {
    const error = errorFromCode(code);
    return error ? { error } : { assignment };
  },
};
//<
