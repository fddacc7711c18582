// LeaveGroup: a member leaving on purpose (close()). The group rebalances at once, not after a session timeout.
//> step 09 rewrites: the request is Kafka's LeaveGroup v1 on the wire
//
// Kafka's LeaveGroup is api key 13; this broker speaks version 1, which added throttle_time_ms
// (first in the response) to version 0. Version 3 lets one request take several members out.
import type { ApiCodec } from './api.ts';
import { nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { int16, int32, string, struct, type Infer } from './types.ts';

export interface LeaveGroupRequest {
  type: 'leaveGroup';
  correlationId: number;
  groupId: string;
  memberId: string;
}

/** No fields: an answer without an error means the member is out. */
export type LeaveGroupResponse = Record<never, never>;

const requestV1 = struct({ groupId: string, memberId: string });
const responseV1 = struct({ throttleTimeMs: int32, errorCode: int16 });

export const leaveGroupApi: ApiCodec<Omit<LeaveGroupRequest, 'correlationId'>, LeaveGroupResponse, Infer<typeof requestV1>, Infer<typeof responseV1>> = {
  key: 13,
  kafkaName: 'LeaveGroup',
  minVersion: 1,
  maxVersion: 1,
  requestSchema: () => requestV1,
  responseSchema: () => responseV1,
  requestFromWire: (wire) => ({ type: 'leaveGroup', groupId: nonEmpty(wire.groupId, 'group_id'), memberId: nonEmpty(wire.memberId, 'member_id') }),
  requestToWire: ({ groupId, memberId }) => ({ groupId, memberId }),
  responseToWire: (response) => ({ throttleTimeMs: 0, errorCode: errorCode('error' in response ? response.error : undefined) }),
  responseFromWire(wire) {
    const error = errorFromCode(wire.errorCode);
    return error ? { error } : {};
  },
};
//<
