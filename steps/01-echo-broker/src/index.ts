// This step's public API: what its tests, its demo and the workshop's commands import.
export { Broker } from './broker/broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker/broker.ts';
