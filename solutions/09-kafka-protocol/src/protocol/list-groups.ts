// ListGroups: the groups this broker coordinates (Kafka's ListGroups, api 16). A cluster's groups
// are the union of every broker's answer, since each broker lists only its own. Nothing in the
// workshop's clients needs it; the dashboard (npm run dashboard) asks it to find the groups.
//> step 09 rewrites: the request is Kafka's ListGroups v0 on the wire
//
// Kafka's ListGroups is api key 16; this broker speaks version 0 (kafka-python's admin and
// KafkaJS's listGroups ask it too). Advertising it does not change the broker age kafka-python
// infers, which looks at other requests.
import type { ApiCodec } from './api.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, int16, string, struct, type Infer } from './types.ts';

export interface ListGroupsRequest {
  type: 'listGroups';
  correlationId: number;
}

export interface ListGroupsResponse {
  groups: Array<{ groupId: string; protocolType: string }>;
}

const requestV0 = struct({});
const responseV0 = struct({ errorCode: int16, groups: array(struct({ groupId: string, protocolType: string })) });

export const listGroupsApi: ApiCodec<Omit<ListGroupsRequest, 'correlationId'>, ListGroupsResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 16,
  kafkaName: 'ListGroups',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: () => ({ type: 'listGroups' }),
  requestToWire: () => ({}),
  responseToWire: (response) => ('error' in response ? { errorCode: errorCode(response.error), groups: [] } : { errorCode: 0, groups: response.groups }),
  responseFromWire(wire) {
    const error = errorFromCode(wire.errorCode);
    return error ? { error } : { groups: wire.groups };
  },
};
//<
