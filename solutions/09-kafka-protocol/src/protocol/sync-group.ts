// SyncGroup: the second half of a rebalance. The leader sends the assignment, every member gets its share.
import type { Fields } from './fields.ts';

export interface SyncGroupRequest {
  type: 'syncGroup';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
  /** From the leader: each member's assignment (opaque bytes); empty from everyone else. */
  assignments: Array<{ memberId: string; assignment: string }>;
}

export interface SyncGroupResponse {
  assignment: string;
}

export function parseSyncGroup(request: Fields): Omit<SyncGroupRequest, 'type' | 'correlationId'> {
  return {
    groupId: request.string('groupId'),
    // -1 is "not a member of any generation", which the coordinator refuses with its own error.
    generationId: request.int('generationId', { min: -1 }),
    memberId: request.string('memberId'),
    assignments: request.list('assignments', (entry) => ({ memberId: entry.string('memberId'), assignment: entry.base64('assignment') }), { fallback: [] }),
  };
}
