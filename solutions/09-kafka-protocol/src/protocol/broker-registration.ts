// BrokerRegistration: a broker starting up tells the controller who it is and where clients reach
// it (KRaft's BrokerRegistrationRequest). The answer is its broker epoch: a number that grows with
// every registration, so a heartbeat from the broker's previous life can be told from this one's.
//> step 09 given
//
// It travels under Kafka's api key 62, version 0, but with only the fields this workshop needs
// and in the non-flexible encoding of the other requests here: Kafka's own version 0 is flexible
// and carries more (the cluster id, an incarnation id, every listener, supported features).
import type { ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { int16, int32, int64, string, struct, type Infer } from './types.ts';
//<

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

//> step 09 rewrites: the request travels under Kafka's BrokerRegistration api key, in binary
const requestV0 = struct({ brokerId: int32, host: string, port: int32 });
const responseV0 = struct({ errorCode: int16, brokerEpoch: int64 });

export const brokerRegistrationApi: ApiCodec<Omit<BrokerRegistrationRequest, 'correlationId'>, BrokerRegistrationResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 62,
  kafkaName: 'BrokerRegistration',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire({ brokerId, host, port }) {
    // The controller hands these to every client as where the broker is: they must be reachable.
    if (port < 1 || port > 65_535) throw new InvalidRequestError(`port is ${port}: it must be from 1 to 65535`);
    return { type: 'brokerRegistration', brokerId: atLeast(0, brokerId, 'broker_id'), host: nonEmpty(host, 'host'), port };
  },
  requestToWire: ({ brokerId, host, port }) => ({ brokerId, host, port }),
  responseToWire: (response) => ('error' in response ? { errorCode: errorCode(response.error), brokerEpoch: -1 } : { errorCode: 0, brokerEpoch: response.brokerEpoch }),
  responseFromWire({ errorCode: code, brokerEpoch }) {
    const error = errorFromCode(code);
    return error ? { error } : { brokerEpoch };
  },
};
//<
