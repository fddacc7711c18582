// The requests and responses brokers and clients exchange, and how they travel.
//
// Every message is one frame (see frame.ts) whose payload is UTF-8 JSON. JSON carries data
// only: whatever a client sends, the broker just reads values out of it. Python's pickle (what
// the blog post we follow sends) rebuilds arbitrary objects, and can be made to run code while
// doing so: unpickling bytes from a socket lets anyone who can connect run programs on the
// broker. Kafka's own protocol is a binary schema for the same reason; step 09 speaks it.
//
// A request carries a `type` and a `correlationId` chosen by the client; the response repeats
// the correlationId, so a client with many requests in flight on one connection knows which
// answer is which. A failed request is answered with `error: { code, message }`, where `code`
// is Apache Kafka's name for that error.
import { encodeFrame } from './frame.ts';

export interface ErrorBody {
  code: string;
  message: string;
}

/** Step 02's only request: store one message under a topic. `value` is base64 (JSON has no bytes). */
export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  topic: string;
  value: string;
}

export type Request = ProduceRequest;

/** Every response: the request's correlationId, then either the answer's fields or an error. */
export type Response = { correlationId: number | null; error?: ErrorBody } & Record<string, unknown>;

/** A request the broker cannot read. It carries the correlationId when there was one to find. */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly correlationId: number | null = null,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** The answer to a request that failed; `code` is Apache Kafka's name for the error. */
export function errorResponse(correlationId: number | null, code: string, message: string): Response {
  return { correlationId, error: { code, message } };
}

/** A message as it goes on the wire: JSON inside a frame. */
export function encodeMessage(body: object): Buffer {
  return encodeFrame(Buffer.from(JSON.stringify(body), 'utf8'));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value from a request, quoted for an error message: a short excerpt, however long or deeply
 * nested the value is. JSON.stringify would recurse into a list nested 100 000 levels deep until
 * the stack overflows, and the message about a bad field must never be what crashes the broker.
 */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

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
    throw new InvalidRequestError(`the request is not JSON (it starts with ${JSON.stringify(payload.subarray(0, 20).toString('latin1'))})`);
  }
  if (!isObject(body)) throw new InvalidRequestError('a request must be a JSON object like {"type": "produce", "correlationId": 1, …}');
  const correlationId = Number.isSafeInteger(body.correlationId) ? (body.correlationId as number) : null;
  if (correlationId === null) throw new InvalidRequestError('the request needs an integer "correlationId"');
  const invalid = (message: string) => new InvalidRequestError(message, correlationId);

  switch (body.type) {
    case 'produce': {
      if (typeof body.topic !== 'string' || body.topic === '') throw invalid('"produce" needs a non-empty string "topic"');
      if (typeof body.value !== 'string' || !BASE64.test(body.value)) throw invalid('"produce" needs "value" as a base64 string');
      return { type: 'produce', correlationId, topic: body.topic, value: body.value };
    }
    default:
      throw invalid(`unknown request type ${quote(body.type)}; this broker understands "produce"`);
  }
}
