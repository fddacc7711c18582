// DescribeGroups: each group's state, generation, leader and members with their assignments, as
// its coordinator sees them (Kafka's DescribeGroups, api 15); ask the group's coordinator. A group
// nobody joined is "Dead", as Kafka says. The dashboard (npm run dashboard) shows it.
//> step 09 rewrites: the request is Kafka's DescribeGroups v0 on the wire
//
// Kafka's DescribeGroups is api key 15; this broker speaks version 0. No version of Kafka's answer
// carries the generation or the leader, so a step 09 client reads neither. This coordinator keeps
// no member's client id, host or subscription for it: they go out empty.
import type { ApiCodec } from './api.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, bytes, int16, string, struct, type Infer } from './types.ts';

export interface DescribeGroupsRequest {
  type: 'describeGroups';
  correlationId: number;
  groupIds: string[];
}

export interface DescribedGroup {
  groupId: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable or Dead. */
  state: string;
  /** "consumer" for the workshop's consumers; "" while the group has none. */
  protocolType: string;
  /** The assignor the group chose ("range", "roundrobin"); "" until it has chosen. */
  protocolName: string;
  /** The coordinator knows it; Kafka's DescribeGroups does not carry it, so an answer read off the wire has none. */
  generationId?: number;
  leaderId?: string;
  /** Each member and its share of the assignment (decodeAssignment reads it; empty until Stable). */
  members: Array<{ memberId: string; assignment: Buffer }>;
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

const requestV0 = struct({ groups: array(string) });
const memberV0 = struct({ memberId: string, clientId: string, clientHost: string, memberMetadata: bytes, memberAssignment: bytes });
const groupV0 = struct({ errorCode: int16, groupId: string, groupState: string, protocolType: string, protocolData: string, members: array(memberV0) });
const responseV0 = struct({ groups: array(groupV0) });

const EMPTY = Buffer.alloc(0);

export const describeGroupsApi: ApiCodec<Omit<DescribeGroupsRequest, 'correlationId'>, DescribeGroupsResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 15,
  kafkaName: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: (wire) => ({ type: 'describeGroups', groupIds: wire.groups }),
  requestToWire: ({ groupIds }) => ({ groups: groupIds }),
  responseToWire(response, request) {
    if ('error' in response) {
      const code = errorCode(response.error);
      return { groups: request.groupIds.map((groupId) => ({ errorCode: code, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })) };
    }
    return {
      groups: response.groups.map((group) => ({
        errorCode: 0,
        groupId: group.groupId,
        groupState: group.state,
        protocolType: group.protocolType,
        protocolData: group.protocolName,
        members: group.members.map(({ memberId, assignment }) => ({ memberId, clientId: '', clientHost: '', memberMetadata: EMPTY, memberAssignment: assignment })),
      })),
    };
  },
  responseFromWire(wire) {
    const failed = wire.groups.find((group) => group.errorCode !== 0);
    const error = failed && errorFromCode(failed.errorCode);
    if (error) return { error };
    return {
      groups: wire.groups.map((group) => ({
        groupId: group.groupId,
        state: group.groupState,
        protocolType: group.protocolType,
        protocolName: group.protocolData,
        members: group.members.map(({ memberId, memberAssignment }) => ({ memberId, assignment: memberAssignment })),
      })),
    };
  },
};
//<
