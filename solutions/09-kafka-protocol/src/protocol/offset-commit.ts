// OffsetCommit: stores the group's positions. Refused from a member of an older generation.
import type { Fields } from './fields.ts';

export interface CommittedPartition {
  topic: string;
  partition: number;
  /** The offset of the next record the group should read: one past the last one processed. */
  offset: number;
  metadata?: string;
}

export interface OffsetCommitRequest {
  type: 'offsetCommit';
  correlationId: number;
  groupId: string;
  /** -1 (with memberId "") for a consumer that commits without being a member. */
  generationId: number;
  memberId: string;
  offsets: CommittedPartition[];
}

/** No fields: an answer without an error means every offset is stored. */
export type OffsetCommitResponse = Record<never, never>;

export function parseOffsetCommit(request: Fields): Omit<OffsetCommitRequest, 'type' | 'correlationId'> {
  return {
    groupId: request.string('groupId'),
    generationId: request.int('generationId', { min: -1 }),
    memberId: request.string('memberId', { empty: true }),
    offsets: request.list('offsets', (entry) => {
      const committed = { topic: entry.string('topic'), partition: entry.int('partition'), offset: entry.int('offset', { max: Number.MAX_SAFE_INTEGER }) };
      return entry.has('metadata') ? { ...committed, metadata: entry.string('metadata', { empty: true }) } : committed;
    }),
  };
}
