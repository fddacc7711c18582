// ApiVersions: the first request a Kafka client sends on a new connection, to learn which
// requests, in which versions, the broker speaks. The client then uses, for each request, the
// highest version both sides know. That is how clients and brokers of different ages talk.
//
// Kafka's ApiVersions is api key 18. Versions 0–2 have an empty request; version 3 (flexible,
// KIP-511) adds the client's name and version. A broker that does not speak the version asked
// answers UNSUPPORTED_VERSION in a version 0 response that still lists what it speaks, and the
// client asks again with a version from that list: librdkafka asks v3 first and relies on it.
import { perVersion, type ApiCodec } from './api.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, encode, int16, int32, struct, type Infer, type Type } from './types.ts';

export interface ApiVersionsRequest {
  type: 'apiVersions';
  correlationId: number;
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  apiKeys: ApiVersionRange[];
}

const range = struct({ apiKey: int16, minVersion: int16, maxVersion: int16 });

interface WireResponse {
  errorCode: number;
  apiKeys: ApiVersionRange[];
  throttleTimeMs?: number;
}

const requestSchema = struct({});
const responseSchema = perVersion(0, 2, (version): Type<WireResponse> =>
  // Version 1 added throttle_time_ms at the end; version 2 only changed what throttling means.
  version === 0 ? struct({ errorCode: int16, apiKeys: array(range) }) : struct({ errorCode: int16, apiKeys: array(range), throttleTimeMs: int32 }),
);

export const apiVersionsApi: ApiCodec<Omit<ApiVersionsRequest, 'correlationId'>, ApiVersionsResponse, Infer<typeof requestSchema>, WireResponse> = {
  key: 18,
  kafkaName: 'ApiVersions',
  minVersion: 0,
  maxVersion: 2,
  requestSchema: () => requestSchema,
  responseSchema,
  requestFromWire: () => ({ type: 'apiVersions' }),
  requestToWire: () => ({}),
  responseToWire: (response, _request, version) => ({
    errorCode: errorCode('error' in response ? response.error : undefined),
    apiKeys: 'error' in response ? [] : response.apiKeys,
    ...(version >= 1 ? { throttleTimeMs: 0 } : {}),
  }),
  responseFromWire(wire) {
    const error = errorFromCode(wire.errorCode);
    return error ? { error } : { apiKeys: wire.apiKeys };
  },
};

/**
 * The answer to an ApiVersions request in a version the server does not speak: a version 0
 * response with UNSUPPORTED_VERSION and the ranges it does speak, from which the client picks a
 * version and asks again (KIP-511). Any other request in an unknown version closes the connection.
 */
export function unsupportedVersionBody(apiKeys: ApiVersionRange[]): Buffer {
  return encode(responseSchema(0), { errorCode: errorCode({ code: 'UNSUPPORTED_VERSION', message: '' }), apiKeys });
}
