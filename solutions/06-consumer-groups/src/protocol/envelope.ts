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

/** A few of Apache Kafka's api keys, to name the request a client of Kafka's own protocol sent. */
const KAFKA_APIS: Record<number, string> = { 0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 18: 'ApiVersions', 19: 'CreateTopics', 22: 'InitProducerId' };

/**
 * Why a payload that is not JSON may be Apache Kafka's binary protocol: kcat, a real Kafka client,
 * or a step 09 client, which start every request with an int16 api key and an int16 version. A
 * sentence naming it and what to run instead, or null when the payload does not look like one.
 */
export function kafkaProtocolRequest(payload: Buffer): string | null {
  if (payload.length < 8 || payload[0] === 0x7b) return null; // '{': the workshop's JSON
  const apiKey = payload.readInt16BE(0);
  const version = payload.readInt16BE(2);
  if (apiKey < 0 || apiKey > 100 || version < 0 || version > 20) return null;
  const api = KAFKA_APIS[apiKey] ? `${KAFKA_APIS[apiKey]} v${version}` : `api key ${apiKey} v${version}`;
  return `this looks like Apache Kafka's binary protocol (${api}), and this broker speaks the workshop's JSON protocol of steps 02 to 08: use a step 09 broker (npm run broker -- --step 09), or this step's own client (npm run kcat -- --step NN)`;
}
