// Heartbeat: "I am alive, in this generation." Answered REBALANCE_IN_PROGRESS when it is time to rejoin.
import type { Fields } from './fields.ts';

export interface HeartbeatRequest {
  type: 'heartbeat';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
}

/** No fields: an answer without an error means "carry on". */
export type HeartbeatResponse = Record<never, never>;

export function parseHeartbeat(request: Fields): Omit<HeartbeatRequest, 'type' | 'correlationId'> {
  return { groupId: request.string('groupId'), generationId: request.int('generationId', { min: -1 }), memberId: request.string('memberId') };
}
