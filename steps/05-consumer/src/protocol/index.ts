// The requests brokers and clients exchange. Each request type has a module of its own in this
// folder, with its request and response types and the parser that reads it safely off the
// wire; this registry gathers them, typed over their names, so that a client cannot send a
// request with a wrong field and a broker cannot answer one with the wrong response.
// (envelope.ts says what every message looks like; fields.ts how a request is read.)
import { Fields, InvalidRequestError, isObject, quote } from './fields.ts';
import { kafkaProtocolRequest, type ErrorBody } from './envelope.ts';
import { parseProduce, type ProduceRequest, type ProduceResponse } from './produce.ts';
import { parseMetadata, type MetadataRequest, type MetadataResponse } from './metadata.ts';
import { parseCreateTopics, type CreateTopicsRequest, type CreateTopicsResponse } from './create-topics.ts';
import { parseFetch, type FetchRequest, type FetchResponse } from './fetch.ts';
import { parseListOffsets, type ListOffsetsRequest, type ListOffsetsResponse } from './list-offsets.ts';

export * from './envelope.ts';
export { INT32_MAX, InvalidRequestError } from './fields.ts';
export type { ProduceRequest, ProduceResponse } from './produce.ts';
export type { ProduceResult, WireBatch, WireRecord } from './produce.ts';
export type { MetadataRequest, MetadataResponse, PartitionMetadata, TopicMetadata } from './metadata.ts';
export type { CreateTopicsRequest, CreateTopicsResponse } from './create-topics.ts';
export type { FetchedPartition, FetchPartition, FetchRequest, FetchResponse, WireRecordWithOffset } from './fetch.ts';
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type ListOffsetsRequest, type ListOffsetsResponse } from './list-offsets.ts';

/** Every request type: its request and the response a broker answers it with. Later steps add theirs. */
export interface Api {
  produce: { request: ProduceRequest; response: ProduceResponse };
  metadata: { request: MetadataRequest; response: MetadataResponse };
  createTopics: { request: CreateTopicsRequest; response: CreateTopicsResponse };
  listOffsets: { request: ListOffsetsRequest; response: ListOffsetsResponse };
  fetch: { request: FetchRequest; response: FetchResponse };
}

export type RequestType = keyof Api;
export type RequestOf<K extends RequestType> = Api[K]['request'];
export type ResponseOf<K extends RequestType> = Api[K]['response'];
/** Any request, as the broker receives it. */
export type Request = RequestOf<RequestType>;
/** What a client hands to Connection.request: the request without the correlationId the connection adds. */
export type RequestBody<K extends RequestType> = Omit<RequestOf<K>, 'correlationId'> & { type: K };
/** Every answer a broker sends: the correlationId, then the response's fields or why the request failed. */
export type Reply = { correlationId: number | null } & ({ error: ErrorBody } | ResponseOf<RequestType>);

/** Each request type's parser: the request's own fields, checked (type and correlationId are read here). */
const parsers: { [K in RequestType]: (request: Fields) => Omit<RequestOf<K>, 'type' | 'correlationId'> } = {
  produce: parseProduce,
  metadata: parseMetadata,
  createTopics: parseCreateTopics,
  listOffsets: parseListOffsets,
  fetch: parseFetch,
};

/**
 * Reads a request out of a frame's payload, checking every field the broker will use. Anything
 * else (not JSON, an unknown type, a missing field) throws InvalidRequestError with a message
 * that says what was wrong, which the broker sends back as INVALID_REQUEST.
 */
export function parseRequest(payload: Buffer): Request {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new InvalidRequestError(kafkaProtocolRequest(payload) ?? `the request is not JSON (it starts with ${JSON.stringify(payload.subarray(0, 20).toString('latin1'))})`);
  }
  if (!isObject(body)) throw new InvalidRequestError('a request must be a JSON object like {"type": "produce", "correlationId": 1, …}');
  const correlationId = Number.isSafeInteger(body.correlationId) ? (body.correlationId as number) : null;
  if (correlationId === null) throw new InvalidRequestError('the request needs an integer "correlationId"');
  const type = body.type;
  if (typeof type !== 'string' || !Object.hasOwn(parsers, type)) {
    const known = Object.keys(parsers).map((name) => `"${name}"`).join(', ');
    throw new InvalidRequestError(`unknown request type ${quote(type)}; this broker understands ${known}`, correlationId);
  }
  const parse = parsers[type as RequestType];
  // The parser that matches `type` built the rest, so the whole is that type's request.
  return { type, correlationId, ...parse(new Fields(body, `"${type}"`, correlationId)) } as Request;
}
