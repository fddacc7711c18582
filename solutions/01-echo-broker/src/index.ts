// Step 01's public API.
export { Broker } from './broker/broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker/broker.ts';
