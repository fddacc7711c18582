// FindCoordinator: which broker coordinates a group. Clients send every group request there.
//
// The group requests (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch) are Kafka's, one module each. Member metadata and assignments are
// base64 bytes the broker never reads: what is inside belongs to the clients (consumer-protocol.ts).
import type { Fields } from './fields.ts';

export interface FindCoordinatorRequest {
  type: 'findCoordinator';
  correlationId: number;
  /** The group id. */
  key: string;
}

export interface FindCoordinatorResponse {
  nodeId: number;
  host: string;
  port: number;
}

export function parseFindCoordinator(request: Fields): Omit<FindCoordinatorRequest, 'type' | 'correlationId'> {
  return { key: request.string('key') };
}
