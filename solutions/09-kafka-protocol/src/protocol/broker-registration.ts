// BrokerRegistration: a broker starting up tells the controller who it is and where clients reach
// it (KRaft's BrokerRegistrationRequest). The answer is its broker epoch: a number that grows with
// every registration, so a heartbeat from the broker's previous life can be told from this one's.
import type { Fields } from './fields.ts';

export interface BrokerRegistrationRequest {
  type: 'brokerRegistration';
  correlationId: number;
  brokerId: number;
  host: string;
  port: number;
}

export interface BrokerRegistrationResponse {
  brokerEpoch: number;
}

export function parseBrokerRegistration(request: Fields): Omit<BrokerRegistrationRequest, 'type' | 'correlationId'> {
  return { brokerId: request.int('brokerId'), host: request.string('host'), port: request.int('port', { min: 1, max: 65_535 }) };
}
