// What every request module of this folder provides for Kafka's binary protocol: its api key, the
// versions it speaks, the schema of each version's request and response, and how a message on
// the wire becomes the request or response the broker's handlers and the clients work with.
//
// The wire shape is Kafka's, field for field, as in its JSON schemas (topics holding partitions,
// error codes as int16). The shape the code works with is the one steps 02–08 built (one list of
// partitions, errors as { code, message }), so a handler does not change when the wire does.
// Each module maps one onto the other in both directions: the broker reads requests and writes
// responses, the workshop's clients write requests and read responses.
import type { ErrorBody } from './envelope.ts';
import type { Type } from './types.ts';

/** A whole request refused: the broker answers with this error in every error field the response has. */
export interface Failed {
  error: ErrorBody;
}

export interface ApiCodec<Request, Response, WireRequest, WireResponse> {
  /** Kafka's api key: 0 Produce, 1 Fetch, 3 Metadata, 18 ApiVersions, … */
  key: number;
  /** Kafka's name for the request, as kcat and the broker logs print it. */
  kafkaName: string;
  /** The versions this module reads and writes; ApiVersions advertises these (but see advertisedMinVersion). */
  minVersion: number;
  maxVersion: number;
  /**
   * Where ApiVersions says the range starts, when that must be below minVersion. Kafka 4 advertises
   * Produce from 0 and refuses v0 to v2 (KAFKA-18659): librdkafka before 2.11.1 (kcat's) sends
   * uncompressed batches to any broker whose Produce range does not start at 0 (librdkafka #4956).
   */
  advertisedMinVersion?: number;
  requestSchema(version: number): Type<WireRequest>;
  responseSchema(version: number): Type<WireResponse>;
  /** Broker side: the request as the handlers take it. May throw InvalidRequestError. */
  requestFromWire(wire: WireRequest, version: number): Request;
  /** Client side. */
  requestToWire(request: Request, version: number): WireRequest;
  /** Broker side: a refusal of the whole request fills the error into every entry the request named. */
  responseToWire(response: Response | Failed, request: Request, version: number): WireResponse;
  /** Client side: an error for the whole request comes back as Failed (the client rejects with it). */
  responseFromWire(wire: WireResponse, version: number): Response | Failed;
}

/** Schemas are built once per version, on first use, not once per message. */
export function perVersion<T>(minVersion: number, maxVersion: number, build: (version: number) => T): (version: number) => T {
  const built = new Map<number, T>();
  return (version) => {
    if (version < minVersion || version > maxVersion) throw new Error(`no schema for version ${version} (this module speaks ${minVersion}..${maxVersion})`);
    let schema = built.get(version);
    if (schema === undefined) {
      schema = build(version);
      built.set(version, schema);
    }
    return schema;
  };
}

/** Kafka groups partitions under their topic on the wire; the code works with one flat list. */
export function byTopic<P extends { topic: string }, W>(partitions: P[], toWire: (partition: P) => W): Array<{ name: string; partitions: W[] }> {
  const topics = new Map<string, W[]>();
  for (const partition of partitions) {
    const list = topics.get(partition.topic) ?? [];
    list.push(toWire(partition));
    topics.set(partition.topic, list);
  }
  return [...topics].map(([name, list]) => ({ name, partitions: list }));
}

/** The other way: one entry per partition, each knowing its topic. */
export function flatten<W, P>(topics: Array<{ name: string; partitions: W[] }>, fromWire: (topic: string, partition: W) => P): P[] {
  return topics.flatMap((topic) => topic.partitions.map((partition) => fromWire(topic.name, partition)));
}

export function isFailed(response: object): response is Failed {
  return 'error' in response && (response as Failed).error !== undefined;
}
