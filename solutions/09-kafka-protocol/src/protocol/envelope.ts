//> step 09 rewrites: every message is Kafka's frame: a request header or a response header, then a binary body
// What every message looks like on the wire, whatever the request: Apache Kafka's framing.
//
//   request:   int32 size | request header v1                              | request body
//                           api_key int16, api_version int16,
//                           correlation_id int32, client_id nullable string
//   response:  int32 size | response header v0: correlation_id int32        | response body
//
// The size counts the bytes after it (frame.ts cuts the stream into frames by it, as since
// step 02). The api key says which request this is (0 Produce, 1 Fetch, 3 Metadata, …) and the
// api version which schema its body follows; the response carries no api key or version: the
// client knows what it asked, by the correlation id it chose. A client with many requests in
// flight on one connection matches answers by it, and the broker answers one connection's
// requests strictly in order (request-queue.ts), which some clients rely on.
//
// Nothing here is JSON and nothing is ever executed: every byte is read by a schema (types.ts)
// that checks its length against what is there before allocating anything.
import { int16, int32, nullableString, Reader, struct, Writer, type Infer, type Type } from './types.ts';
import { encodeFrame } from '../network/frame.ts';

/** An error as the code works with it: Apache Kafka's name for it, and what it means in words. */
export interface ErrorBody {
  code: string;
  message: string;
}

// #region request-header
export const requestHeaderV1 = struct({ apiKey: int16, apiVersion: int16, correlationId: int32, clientId: nullableString });
export type RequestHeader = Infer<typeof requestHeaderV1>;
// #endregion request-header

/** A whole frame: the size, then the header and body written with their schemas. */
function frame<H, B>(headerType: Type<H>, header: H, bodyType: Type<B>, body: B): Buffer {
  const writer = new Writer();
  writer.int32(0); // the size, filled in once known
  headerType.write(writer, header);
  bodyType.write(writer, body);
  const bytes = writer.toBuffer();
  bytes.writeInt32BE(bytes.length - 4, 0);
  return bytes;
}

export function encodeRequest<B>(header: RequestHeader, bodyType: Type<B>, body: B): Buffer {
  return frame(requestHeaderV1, header, bodyType, body);
}

const responseHeaderV0 = struct({ correlationId: int32 });

export function encodeResponse<B>(correlationId: number, bodyType: Type<B>, body: B): Buffer {
  return frame(responseHeaderV0, { correlationId }, bodyType, body);
}

/** Reads the request header at the start of a frame's payload; the reader is left at the body. */
export function readRequestHeader(reader: Reader): RequestHeader {
  return requestHeaderV1.read(reader, 'the request header');
}

/** The correlation id at the start of a response frame's payload. */
export function readResponseHeader(reader: Reader): number {
  return responseHeaderV0.read(reader, 'the response header').correlationId;
}

/** Whether a payload is the workshop's JSON protocol of steps 02 to 08, which starts with '{'. */
export function isJsonProtocol(payload: Buffer): boolean {
  return payload.length > 1 && payload[0] === 0x7b && payload[1] === 0x22; // '{"'
}

/**
 * The answer to a request in the workshop's JSON protocol, in that protocol, so that its client
 * says why (a step 02–08 client, or kcat of those steps, talking to this step's broker).
 */
export function jsonProtocolRefusal(): Buffer {
  const message = "this broker speaks Apache Kafka's binary protocol (step 09), not the workshop's JSON protocol of steps 02 to 08: use a client of step 09 (npm run kcat -- --step 09), or a broker of the client's step";
  return encodeFrame(Buffer.from(JSON.stringify({ correlationId: null, error: { code: 'UNSUPPORTED_VERSION', message } }), 'utf8'));
}
//<
