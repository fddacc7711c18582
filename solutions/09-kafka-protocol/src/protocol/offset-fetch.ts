// OffsetFetch: the group's committed offsets for these partitions; -1 where it has none.
import type { Fields } from './fields.ts';

export interface OffsetFetchRequest {
  type: 'offsetFetch';
  correlationId: number;
  groupId: string;
  partitions: Array<{ topic: string; partition: number }>;
}

export interface OffsetFetchResponse {
  partitions: Array<{ topic: string; partition: number; offset: number; metadata: string }>;
}

export function parseOffsetFetch(request: Fields): Omit<OffsetFetchRequest, 'type' | 'correlationId'> {
  return { groupId: request.string('groupId'), partitions: request.list('partitions', (entry) => ({ topic: entry.string('topic'), partition: entry.int('partition') })) };
}
