// BrokerHeartbeat: a registered broker says "still here" every `brokerHeartbeatIntervalMs`
// (KRaft's broker.heartbeat.interval.ms, 2 s). One silent for the session timeout
// (broker.session.timeout.ms, 9 s) is fenced: its leaderships go to other replicas.
import type { Fields } from './fields.ts';

export interface BrokerHeartbeatRequest {
  type: 'brokerHeartbeat';
  correlationId: number;
  brokerId: number;
  brokerEpoch: number;
}

export interface BrokerHeartbeatResponse {
  /** True when the controller has fenced this broker (it must register again). */
  isFenced: boolean;
}

export function parseBrokerHeartbeat(request: Fields): Omit<BrokerHeartbeatRequest, 'type' | 'correlationId'> {
  return { brokerId: request.int('brokerId'), brokerEpoch: request.int('brokerEpoch', { min: 0, max: Number.MAX_SAFE_INTEGER }) };
}
