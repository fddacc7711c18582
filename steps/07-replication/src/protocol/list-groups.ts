// ListGroups: the groups this broker coordinates (Kafka's ListGroups, api 16). A cluster's groups
// are the union of every broker's answer, since each broker lists only its own. Nothing in the
// workshop's clients needs it; the dashboard (npm run dashboard) asks it to find the groups.
import type { Fields } from './fields.ts';

export interface ListGroupsRequest {
  type: 'listGroups';
  correlationId: number;
}

export interface ListGroupsResponse {
  groups: Array<{ groupId: string; protocolType: string }>;
}

export function parseListGroups(_request: Fields): Omit<ListGroupsRequest, 'type' | 'correlationId'> {
  return {};
}
