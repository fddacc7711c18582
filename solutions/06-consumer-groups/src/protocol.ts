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

/** Which brokers there are, and for each topic its partitions and their leaders. */
export interface MetadataRequest {
  type: 'metadata';
  correlationId: number;
  /** The topics to describe (created on first use); every known topic when absent. */
  topics?: string[];
}

export interface PartitionMetadata {
  partition: number;
  /** The id of the broker that takes the partition's writes. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  error?: ErrorBody;
  partitions: PartitionMetadata[];
}

// Responses are type aliases, not interfaces, so they fit the broker's Record<string, unknown>.
export type MetadataResponse = {
  brokers: Array<{ id: number; host: string; port: number }>;
  /** The broker that runs the cluster (step 08 elects one); kcat -L marks it "(controller)". */
  controllerId?: number;
  topics: TopicMetadata[];
};

/** A record on the wire: bytes as base64 (JSON has no bytes), null stays null. */
export interface WireRecord {
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: Array<{ key: string; value: string | null }>;
}

/** The records of one partition that travel together. */
export interface WireBatch {
  topic: string;
  partition: number;
  records: WireRecord[];
}

/** Batches for any number of partitions led by the receiving broker, in one request. */
export interface ProduceRequest {
  type: 'produce';
  correlationId: number;
  /** How many replicas must have the records before the answer (step 07); 1 until then. */
  acks: number;
  batches: WireBatch[];
}

/** One result per batch, in the request's order: where the batch starts, or why it failed. */
export interface ProduceResult {
  topic: string;
  partition: number;
  baseOffset: number;
  error?: ErrorBody;
}

export type ProduceResponse = {
  results: ProduceResult[];
};

/** Creates topics with a chosen number of partitions (Kafka's CreateTopics). */
export interface CreateTopicsRequest {
  type: 'createTopics';
  correlationId: number;
  topics: Array<{ name: string; partitions: number }>;
}

/** One entry per topic asked for: no error means it was created. */
export type CreateTopicsResponse = {
  topics: Array<{ name: string; error?: ErrorBody }>;
};

/** Kafka's ListOffsets sentinels: the first offset still kept, or the next offset to be written. */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** Where a partition starts or ends (Kafka's ListOffsets, by sentinel timestamps only). */
export interface ListOffsetsRequest {
  type: 'listOffsets';
  correlationId: number;
  partitions: Array<{ topic: string; partition: number; timestamp: number }>;
}

export type ListOffsetsResponse = {
  partitions: Array<{ topic: string; partition: number; offset: number; error?: ErrorBody }>;
};

/** One partition a fetch reads, from `offset` on, up to about `maxBytes`. */
export interface FetchPartition {
  topic: string;
  partition: number;
  offset: number;
  maxBytes?: number;
}

/**
 * Records from several partitions in one request. The broker answers once it has `minBytes`
 * for the whole request, or `maxWaitMs` has passed: long polling.
 */
export interface FetchRequest {
  type: 'fetch';
  correlationId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitions: FetchPartition[];
}

/** A record read back: what was produced, with the offset the log gave it. */
export interface WireRecordWithOffset extends WireRecord {
  offset: number;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  /** The offset after the last record a consumer may read (the log end offset until step 07). */
  highWatermark: number;
  logStartOffset: number;
  records: WireRecordWithOffset[];
  error?: ErrorBody;
}

export type FetchResponse = {
  partitions: FetchedPartition[];
};

//> step 06 given
// The group requests (Kafka's FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit and OffsetFetch). Member metadata and assignments are base64 bytes the broker
// never reads: what is inside belongs to the clients (see consumer-protocol.ts).

/** Which broker coordinates a group: clients send every group request there. */
export interface FindCoordinatorRequest {
  type: 'findCoordinator';
  correlationId: number;
  /** The group id. */
  key: string;
}

export type FindCoordinatorResponse = { nodeId: number; host: string; port: number };

export interface GroupProtocol {
  /** An assignor's name, such as "range". */
  name: string;
  /** The member's subscription, as opaque bytes (base64). */
  metadata: string;
}

/** Joins a group, or rejoins it for a rebalance; answered once the rebalance completes. */
export interface JoinGroupRequest {
  type: 'joinGroup';
  correlationId: number;
  groupId: string;
  /** Empty the first time: the coordinator gives the member its id. */
  memberId: string;
  /** Without a heartbeat for this long, the member is out; Kafka's `session.timeout.ms`. */
  sessionTimeoutMs: number;
  /** How long a rebalance waits for this member to rejoin; Kafka's `max.poll.interval.ms`. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** The assignors the member can use, preferred first. */
  protocols: GroupProtocol[];
}

export type JoinGroupResponse = {
  generationId: number;
  /** The assignor every member supports that got the most first choices. */
  protocolName: string;
  /** The member id of the leader, which computes the assignment. */
  leader: string;
  memberId: string;
  /** Every member and its metadata for the chosen protocol; only the leader gets them. */
  members: Array<{ memberId: string; metadata: string }>;
};

/** Second half of a rebalance: the leader sends the assignment, every member gets its share. */
export interface SyncGroupRequest {
  type: 'syncGroup';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
  /** From the leader: each member's assignment (opaque bytes); empty from everyone else. */
  assignments: Array<{ memberId: string; assignment: string }>;
}

export type SyncGroupResponse = { assignment: string };

/** "I am alive, in this generation." Answered REBALANCE_IN_PROGRESS when it is time to rejoin. */
export interface HeartbeatRequest {
  type: 'heartbeat';
  correlationId: number;
  groupId: string;
  generationId: number;
  memberId: string;
}

/** A member leaving on purpose (close()): the group rebalances at once, not after a timeout. */
export interface LeaveGroupRequest {
  type: 'leaveGroup';
  correlationId: number;
  groupId: string;
  memberId: string;
}

export interface CommittedPartition {
  topic: string;
  partition: number;
  /** The offset of the next record the group should read: one past the last one processed. */
  offset: number;
  metadata?: string;
}

/** Stores the group's positions. Refused from a member of an older generation. */
export interface OffsetCommitRequest {
  type: 'offsetCommit';
  correlationId: number;
  groupId: string;
  /** -1 (with memberId "") for a consumer that commits without being a member. */
  generationId: number;
  memberId: string;
  offsets: CommittedPartition[];
}

/** The group's committed offsets for these partitions; -1 where it has none. */
export interface OffsetFetchRequest {
  type: 'offsetFetch';
  correlationId: number;
  groupId: string;
  partitions: Array<{ topic: string; partition: number }>;
}

export type OffsetFetchResponse = {
  partitions: Array<{ topic: string; partition: number; offset: number; metadata: string }>;
};

export type GroupRequest = FindCoordinatorRequest | JoinGroupRequest | SyncGroupRequest | HeartbeatRequest | LeaveGroupRequest | OffsetCommitRequest | OffsetFetchRequest;

export type Request = MetadataRequest | ProduceRequest | CreateTopicsRequest | ListOffsetsRequest | FetchRequest | GroupRequest;
//<

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
    case 'metadata': {
      const { topics } = body;
      if (topics !== undefined && !(Array.isArray(topics) && topics.every((topic) => typeof topic === 'string'))) {
        throw invalid('"metadata" takes "topics" as a list of topic names, or no "topics" for all of them');
      }
      return { type: 'metadata', correlationId, ...(topics === undefined ? {} : { topics: topics as string[] }) };
    }
    case 'produce': {
      const acks = body.acks ?? 1;
      if (acks !== 0 && acks !== 1 && acks !== -1) throw invalid('"acks" is 0, 1 or -1 (all)');
      if (!Array.isArray(body.batches)) throw invalid('"produce" needs "batches": a list of { topic, partition, records }');
      const batches = body.batches.map((batch, i) => parseBatch(batch, `batches[${i}]`, invalid));
      return { type: 'produce', correlationId, acks, batches };
    }
    case 'createTopics': {
      const { topics } = body;
      if (!Array.isArray(topics) || !topics.every((topic) => isObject(topic) && typeof topic.name === 'string' && typeof topic.partitions === 'number')) {
        throw invalid('"createTopics" needs "topics": a list of { name, partitions }');
      }
      return { type: 'createTopics', correlationId, topics: topics.map(({ name, partitions }) => ({ name: name as string, partitions: partitions as number })) };
    }
    case 'listOffsets': {
      const partitions = parseList(body.partitions, '"listOffsets" needs "partitions": a list of { topic, partition, timestamp }', invalid, (entry, where) => {
        if (entry.timestamp !== EARLIEST_TIMESTAMP && entry.timestamp !== LATEST_TIMESTAMP) {
          throw invalid(`${where}.timestamp is ${quote(entry.timestamp)}; this broker knows -2 (earliest) and -1 (latest) only, it keeps no time index`);
        }
        return { ...topicPartition(entry, where, invalid), timestamp: entry.timestamp };
      });
      return { type: 'listOffsets', correlationId, partitions };
    }
    case 'fetch': {
      const { maxWaitMs = 500, minBytes = 1, maxBytes = 52_428_800 } = body;
      // Int32 fields in Kafka's Fetch. A wait over 2^31 - 1 ms is also more than a Node timer
      // takes: it would fire after 1 ms, over and over, a busy loop for as long as the fetch is
      // parked. Refused, not clamped, so the client learns its value was never going to be honoured.
      for (const [name, value] of Object.entries({ maxWaitMs, minBytes, maxBytes })) {
        if (!isInt32(value)) throw invalid(`"${name}" must be a whole number from 0 to ${INT32_MAX}, got ${quote(value)}`);
      }
      const partitions = parseList(body.partitions, '"fetch" needs "partitions": a list of { topic, partition, offset }', invalid, (entry, where) => {
        if (!Number.isSafeInteger(entry.offset)) throw invalid(`${where}.offset must be a whole number, got ${quote(entry.offset)}`);
        if (entry.maxBytes !== undefined && !isInt32(entry.maxBytes)) {
          throw invalid(`${where}.maxBytes must be a whole number from 0 to ${INT32_MAX}`);
        }
        const partitionMaxBytes = entry.maxBytes === undefined ? {} : { maxBytes: entry.maxBytes as number };
        return { ...topicPartition(entry, where, invalid), offset: entry.offset as number, ...partitionMaxBytes };
      });
      return { type: 'fetch', correlationId, maxWaitMs: maxWaitMs as number, minBytes: minBytes as number, maxBytes: maxBytes as number, partitions };
    }
    //> step 06 given
    case 'findCoordinator':
      return { type: 'findCoordinator', correlationId, key: text(body, 'key', invalid) };
    case 'joinGroup': {
      const protocols = body.protocols;
      if (!Array.isArray(protocols) || protocols.length === 0 || !protocols.every((p) => isObject(p) && typeof p.name === 'string' && isBase64OrNull(p.metadata) && p.metadata !== null)) {
        throw invalid('"joinGroup" needs "protocols": a non-empty list of { name, metadata } with metadata in base64');
      }
      return {
        type: 'joinGroup',
        correlationId,
        groupId: groupId(body, invalid),
        memberId: text(body, 'memberId', invalid, { empty: true }),
        sessionTimeoutMs: whole(body, 'sessionTimeoutMs', invalid),
        rebalanceTimeoutMs: whole(body, 'rebalanceTimeoutMs', invalid),
        protocolType: text(body, 'protocolType', invalid),
        protocols: protocols.map((p) => ({ name: p.name as string, metadata: p.metadata as string })),
      };
    }
    case 'syncGroup': {
      const assignments = body.assignments ?? [];
      if (!Array.isArray(assignments) || !assignments.every((a) => isObject(a) && typeof a.memberId === 'string' && typeof a.assignment === 'string' && BASE64.test(a.assignment))) {
        throw invalid('"syncGroup" takes "assignments": a list of { memberId, assignment } with assignment in base64');
      }
      const members = { groupId: groupId(body, invalid), generationId: generation(body, invalid), memberId: text(body, 'memberId', invalid) };
      return { type: 'syncGroup', correlationId, ...members, assignments: assignments.map((a) => ({ memberId: a.memberId as string, assignment: a.assignment as string })) };
    }
    case 'heartbeat':
      return { type: 'heartbeat', correlationId, groupId: groupId(body, invalid), generationId: generation(body, invalid), memberId: text(body, 'memberId', invalid) };
    case 'leaveGroup':
      return { type: 'leaveGroup', correlationId, groupId: groupId(body, invalid), memberId: text(body, 'memberId', invalid) };
    case 'offsetCommit': {
      const offsets = parseList(body.offsets, '"offsetCommit" needs "offsets": a list of { topic, partition, offset }', invalid, (entry, where) => {
        if (!Number.isSafeInteger(entry.offset) || (entry.offset as number) < 0) throw invalid(`${where}.offset must be a whole number from 0 up, got ${quote(entry.offset)}`);
        const metadata = typeof entry.metadata === 'string' ? { metadata: entry.metadata } : {};
        return { ...topicPartition(entry, where, invalid), offset: entry.offset as number, ...metadata };
      }, 'offsets');
      const member = { groupId: groupId(body, invalid), generationId: generation(body, invalid), memberId: text(body, 'memberId', invalid, { empty: true }) };
      return { type: 'offsetCommit', correlationId, ...member, offsets };
    }
    case 'offsetFetch': {
      const partitions = parseList(body.partitions, '"offsetFetch" needs "partitions": a list of { topic, partition }', invalid, (entry, where) => topicPartition(entry, where, invalid));
      return { type: 'offsetFetch', correlationId, groupId: groupId(body, invalid), partitions };
    }
    default: {
      const known = ['metadata', 'produce', 'createTopics', 'listOffsets', 'fetch', 'findCoordinator', 'joinGroup', 'syncGroup', 'heartbeat', 'leaveGroup', 'offsetCommit', 'offsetFetch'];
      throw invalid(`unknown request type ${quote(body.type)}; this broker understands ${known.map((type) => `"${type}"`).join(', ')}`);
    }
    //<
  }
}

const isBase64OrNull = (value: unknown) => value === null || (typeof value === 'string' && BASE64.test(value));

/** The largest int32: Kafka's partition numbers, sizes and timeouts are int32 fields, and Node's timers take no more either. */
export const INT32_MAX = 2_147_483_647;

/** A whole number from `min` to INT32_MAX: what fits a Kafka int32 field. */
export function isInt32(value: unknown, min = 0): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= INT32_MAX;
}

/**
 * A record's timestamp: milliseconds since the epoch, or -1 for none (Kafka's NO_TIMESTAMP).
 * Kafka's field is an int64; here the number must also be exact in JSON (a safe integer), so that
 * the log can store it as one.
 */
function isTimestamp(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= -1;
}

function parseBatch(batch: unknown, where: string, invalid: (message: string) => InvalidRequestError): WireBatch {
  if (!isObject(batch) || typeof batch.topic !== 'string' || batch.topic === '' || !isInt32(batch.partition) || !Array.isArray(batch.records)) {
    throw invalid(`${where} needs a non-empty "topic", a "partition" from 0 to ${INT32_MAX} and a list of "records"`);
  }
  const records = batch.records.map((record: unknown, i: number): WireRecord => {
    const at = `${where}.records[${i}]`;
    if (!isObject(record) || !isBase64OrNull(record.key) || !isBase64OrNull(record.value)) {
      throw invalid(`${at} needs "key" and "value" (base64 or null)`);
    }
    if (!isTimestamp(record.timestamp)) {
      throw invalid(`${at}.timestamp must be a whole number of ms since the epoch (or -1 for none), got ${quote(record.timestamp)}`);
    }
    const headers = record.headers ?? [];
    if (!Array.isArray(headers) || !headers.every((header) => isObject(header) && typeof header.key === 'string' && isBase64OrNull(header.value))) {
      throw invalid(`${at}.headers must be a list of { key, value } with value base64 or null`);
    }
    return { key: record.key as string | null, value: record.value as string | null, timestamp: record.timestamp, headers: headers as WireRecord['headers'] };
  });
  return { topic: batch.topic, partition: batch.partition as number, records };
}

/** A list whose every entry is an object, each checked by `parse`. */
//> step 06 given
function parseList<T>(list: unknown, message: string, invalid: (message: string) => InvalidRequestError, parse: (entry: Record<string, unknown>, where: string) => T, field = 'partitions'): T[] {
  if (!Array.isArray(list)) throw invalid(message);
  return list.map((entry: unknown, i) => {
    if (!isObject(entry)) throw invalid(`${field}[${i}] must be an object; ${message}`);
    return parse(entry, `${field}[${i}]`);
  });
}
//<

function topicPartition(entry: Record<string, unknown>, where: string, invalid: (message: string) => InvalidRequestError): { topic: string; partition: number } {
  if (typeof entry.topic !== 'string' || entry.topic === '' || !isInt32(entry.partition)) {
    throw invalid(`${where} needs a non-empty "topic" and a "partition" from 0 to ${INT32_MAX}`);
  }
  return { topic: entry.topic, partition: entry.partition as number };
}

//> step 06 given
/** A string field; empty only where `empty` allows it (a new member's memberId). */
function text(body: Record<string, unknown>, name: string, invalid: (message: string) => InvalidRequestError, { empty = false } = {}): string {
  const value = body[name];
  if (typeof value !== 'string' || (!empty && value === '')) throw invalid(`"${body.type}" needs a${empty ? '' : ' non-empty'} string "${name}", got ${quote(value)}`);
  return value;
}

function groupId(body: Record<string, unknown>, invalid: (message: string) => InvalidRequestError): string {
  return text(body, 'groupId', invalid);
}

/** A timeout in ms: Kafka's fields are int32, and so is the longest delay a Node timer takes. */
function whole(body: Record<string, unknown>, name: string, invalid: (message: string) => InvalidRequestError): number {
  const value = body[name];
  if (!isInt32(value)) throw invalid(`"${body.type}" needs "${name}" as a whole number of ms from 0 to ${INT32_MAX}, got ${quote(value)}`);
  return value;
}

/** A generation id: from 0 up, or -1 for "not a member". */
function generation(body: Record<string, unknown>, invalid: (message: string) => InvalidRequestError): number {
  const value = body.generationId;
  if (!isInt32(value, -1)) throw invalid(`"${body.type}" needs an integer "generationId" (-1 when not a member), got ${quote(value)}`);
  return value as number;
}
//<
