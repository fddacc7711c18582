// FindCoordinator: which broker coordinates a group. Clients send every group request there.
//
// The group requests (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit, OffsetFetch) are Kafka's, one module each. Member metadata and assignments are
//> step 09 given
// bytes the broker never reads: what is inside belongs to the clients (consumer-protocol.ts).
//
// Kafka's FindCoordinator is api key 10; this broker speaks version 0 (Kafka's GroupCoordinator),
// which finds group coordinators only. Version 1 adds key_type (for transactions), and
// throttle_time_ms and an error message to the response.
import type { ApiCodec } from './api.ts';
import { nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { int16, int32, string, struct, type Infer } from './types.ts';
//<

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

//> step 09 rewrites: the request is Kafka's FindCoordinator v0 on the wire
const requestV0 = struct({ key: string });
const responseV0 = struct({ errorCode: int16, nodeId: int32, host: string, port: int32 });

export const findCoordinatorApi: ApiCodec<Omit<FindCoordinatorRequest, 'correlationId'>, FindCoordinatorResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 10,
  kafkaName: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: (wire) => ({ type: 'findCoordinator', key: nonEmpty(wire.key, 'key (the group id)') }),
  requestToWire: ({ key }) => ({ key }),
  // Without a coordinator, Kafka's "no node": id -1, no host, port -1.
  responseToWire: (response) => ('error' in response ? { errorCode: errorCode(response.error), nodeId: -1, host: '', port: -1 } : { errorCode: 0, ...response }),
  responseFromWire({ errorCode: code, nodeId, host, port }) {
    const error = errorFromCode(code);
    return error ? { error } : { nodeId, host, port };
  },
};
//<
