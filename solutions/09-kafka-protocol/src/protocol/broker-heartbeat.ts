// BrokerHeartbeat: a registered broker says "still here" every `brokerHeartbeatIntervalMs`
// (KRaft's broker.heartbeat.interval.ms, 2 s). One silent for the session timeout
// (broker.session.timeout.ms, 9 s) is fenced: its leaderships go to other replicas.
//> step 09 given
//
// It travels under Kafka's api key 63, version 0, but with only the fields this workshop needs
// and in the non-flexible encoding of the other requests here: Kafka's own version 0 is flexible
// and carries more (the broker's metadata offset, whether it wants to be fenced or shut down).
import type { ApiCodec } from './api.ts';
import { atLeast } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { boolean, int16, int32, int64, struct, type Infer } from './types.ts';
//<

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

//> step 09 rewrites: the request travels under Kafka's BrokerHeartbeat api key, in binary
const requestV0 = struct({ brokerId: int32, brokerEpoch: int64 });
const responseV0 = struct({ errorCode: int16, isFenced: boolean });

export const brokerHeartbeatApi: ApiCodec<Omit<BrokerHeartbeatRequest, 'correlationId'>, BrokerHeartbeatResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 63,
  kafkaName: 'BrokerHeartbeat',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: ({ brokerId, brokerEpoch }) => ({ type: 'brokerHeartbeat', brokerId: atLeast(0, brokerId, 'broker_id'), brokerEpoch: atLeast(0, brokerEpoch, 'broker_epoch') }),
  requestToWire: ({ brokerId, brokerEpoch }) => ({ brokerId, brokerEpoch }),
  // A refused heartbeat is not a sign of life: as far as it says anything, the broker is fenced.
  responseToWire: (response) => ('error' in response ? { errorCode: errorCode(response.error), isFenced: true } : { errorCode: 0, isFenced: response.isFenced }),
  responseFromWire({ errorCode: code, isFenced }) {
    const error = errorFromCode(code);
    return error ? { error } : { isFenced };
  },
};
//<
