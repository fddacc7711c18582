// DescribeGroups: each group's state, generation, leader and members with their assignments, as
// its coordinator sees them (Kafka's DescribeGroups, api 15); ask the group's coordinator. A group
// nobody joined is "Dead", as Kafka says. The dashboard (npm run dashboard) shows it.
import type { Fields } from './fields.ts';

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
  /** Kafka's DescribeGroups has no generation; the workshop's adds it (-1 for a Dead group). */
  generationId: number;
  leaderId: string;
  /** Each member and its share of the assignment (base64, decodeAssignment reads it; "" until Stable). */
  members: Array<{ memberId: string; assignment: string }>;
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

export function parseDescribeGroups(request: Fields): Omit<DescribeGroupsRequest, 'type' | 'correlationId'> {
  const groupIds = request.strings('groupIds');
  if (groupIds === undefined) throw request.invalid('"groupIds" is missing: a list of the group ids to describe');
  return { groupIds };
}
