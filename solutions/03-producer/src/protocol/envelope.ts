// What every message looks like on the wire, whatever the request.
//
// Every message is one frame (see frame.ts) whose payload is UTF-8 JSON. JSON carries data
// only: whatever a client sends, the broker just reads values out of it. Python's pickle (what
// the Recurse Center blog post sends) rebuilds arbitrary objects, and can be made to run code
// while doing so: unpickling bytes from a socket lets anyone who can connect run programs on the
// broker. Kafka's own protocol is a binary schema for the same reason; step 09 speaks it.
//
// A request carries a `type` and a `correlationId` chosen by the client; the answer repeats the
// correlationId, so a client with many requests in flight on one connection knows which answer
// is which. Then the answer carries either the response's fields, or `error: { code, message }`
// when the whole request failed, where `code` is Apache Kafka's name for that error.
import { encodeFrame } from '../network/frame.ts';

export interface ErrorBody {
  code: string;
  message: string;
}

/** What every answer starts with. `correlationId` is null when the broker could not read one. */
export interface ReplyHeader {
  correlationId: number | null;
  error?: ErrorBody;
}

/** The answer to a request that failed as a whole; `code` is Apache Kafka's name for the error. */
export function errorResponse(correlationId: number | null, code: string, message: string): ReplyHeader & { error: ErrorBody } {
  return { correlationId, error: { code, message } };
}

/** A message as it goes on the wire: JSON inside a frame. */
export function encodeMessage(body: object): Buffer {
  return encodeFrame(Buffer.from(JSON.stringify(body), 'utf8'));
}
