// LeaveGroup: a member leaving on purpose (close()). The group rebalances at once, not after a session timeout.
import type { Fields } from './fields.ts';

export interface LeaveGroupRequest {
  type: 'leaveGroup';
  correlationId: number;
  groupId: string;
  memberId: string;
}

/** No fields: an answer without an error means the member is out. */
export type LeaveGroupResponse = Record<never, never>;

export function parseLeaveGroup(request: Fields): Omit<LeaveGroupRequest, 'type' | 'correlationId'> {
  return { groupId: request.string('groupId'), memberId: request.string('memberId') };
}
