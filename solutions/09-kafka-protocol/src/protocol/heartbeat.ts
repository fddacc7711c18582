// Heartbeat: "I am alive, in this generation." Answered REBALANCE_IN_PROGRESS when it is time to rejoin.
//> step 09 rewrites: the request is Kafka's Heartbeat v1 on the wire
//
// Kafka's Heartbeat is api key 12; version 1 added throttle_time_ms to the response.
import { errorCode, errorFromCode } from './errors.ts';
import type { ApiCodec } from './api.ts';
import { int16, int32, string, struct, type Infer } from './types.ts';

export interface HeartbeatRequest {
  type: 'heartbeat';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
}

/** No fields: an answer without an error means "carry on". */
export type HeartbeatResponse = Record<never, never>;

const requestV1 = struct({ groupId: string, generationId: int32, memberId: string });
const responseV1 = struct({ throttleTimeMs: int32, errorCode: int16 });

export const heartbeatApi: ApiCodec<Omit<HeartbeatRequest, 'correlationId'>, HeartbeatResponse, Infer<typeof requestV1>, Infer<typeof responseV1>> = {
  key: 12,
  kafkaName: 'Heartbeat',
  minVersion: 1,
  maxVersion: 1,
  requestSchema: () => requestV1,
  responseSchema: () => responseV1,
  requestFromWire: (wire) => ({ type: 'heartbeat', ...wire }),
  requestToWire: ({ groupId, generationId, memberId }) => ({ groupId, generationId, memberId }),
  responseToWire: (response) => ({ throttleTimeMs: 0, errorCode: errorCode('error' in response ? response.error : undefined) }),
  responseFromWire: (wire) => {
    const error = errorFromCode(wire.errorCode);
    return error ? { error } : {};
  },
};
//<
