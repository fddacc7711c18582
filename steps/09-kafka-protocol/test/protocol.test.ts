// Kafka's binary protocol, request by request: every codec against itself (what it writes, it
// reads back the same), against a real client (KafkaJS 2.2.4 writes the same bytes for the same
// request, and reads our responses), and against bytes that are cut short or made up.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { assertProperty } from '#lib/testing/property.ts';
import { describe, expect, test } from 'vitest';
import { APIS, errorFromCode, InvalidRequestError, type ApiCodec, type RequestType } from '../src/protocol/index.ts';
import { decode, encode } from '../src/protocol/types.ts';

// The wire shapes are each module's own business: the tests drive every codec alike.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCodec = ApiCodec<any, any, any, any>;
const codecOf = (api: RequestType): AnyCodec => APIS[api] as AnyCodec;

// #region kafkajs
// KafkaJS's request encoders and response decoders, one module per api and version:
// node_modules/kafkajs/src/protocol/requests/<api>/v<N>/{request,response}.js
const require = createRequire(import.meta.url);

interface KafkaJSRequest {
  encode(): Promise<{ buffer: Buffer }>;
}

async function kafkajsRequestBody(path: string, args: object): Promise<Buffer> {
  const build = require(`kafkajs/src/protocol/requests/${path}/request.js`) as (args: object) => KafkaJSRequest;
  return (await build(args).encode()).buffer;
}

async function kafkajsReadsResponse(path: string, body: Buffer): Promise<unknown> {
  const { decode: read } = require(`kafkajs/src/protocol/requests/${path}/response.js`) as { decode(body: Buffer): Promise<unknown> };
  return read(body);
}

/** A record batch v2 as KafkaJS's producer writes it: what a Produce carries and a Fetch returns. */
async function kafkajsBatch(values: string[], timestamp: number): Promise<Buffer> {
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (record: object) => unknown;
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch(batch: object): Promise<{ buffer: Buffer }> };
  const records = values.map((value, i) => Record({ offsetDelta: i, timestampDelta: 0, key: null, value }));
  return (await RecordBatch({ records, firstTimestamp: timestamp, maxTimestamp: timestamp, lastOffsetDelta: values.length - 1 })).buffer;
}
// #endregion kafkajs

const TIMESTAMP = 1_700_000_000_000;
const BATCH = await kafkajsBatch(['first', 'second'], TIMESTAMP);
const NO_RECORDS = Buffer.alloc(0);

/** An error as a client reads it from a bare code: the code's name and what it means. */
const error = (code: number) => errorFromCode(code)!;

/**
 * The task a case's test belongs to: Metadata's codec is task 7, Fetch's response task 5; every
 * other codec is given, and needs only the primitive types of task 1.
 */
function taskOf(api: RequestType, side: 'request' | 'response'): number {
  if (api === 'metadata') return 7;
  if (api === 'fetch' && side === 'response') return 5;
  return 1;
}

// #region cases
interface Case {
  api: RequestType;
  version: number;
  /** The request as the broker's handlers get it (what requestFromWire returns). */
  request: { type: RequestType } & Record<string, unknown>;
  /** The response as a handler gives it and a client reads it back. */
  response: object;
  kafkajs?: {
    /** <api>/v<N> under KafkaJS's requests folder. */
    path: string;
    /** What KafkaJS's encoder takes to write the same request. */
    request?: object;
    /** What KafkaJS reads from our response (compared with toMatchObject). */
    response?: object;
  };
}

const brokers = [
  { id: 1, host: 'localhost', port: 9092 },
  { id: 2, host: 'localhost', port: 9093 },
];
const ordersPartitions = [
  { partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2] },
  { partition: 1, leader: -1, replicas: [2, 1], isr: [] },
];

function metadataCase(version: number): Case {
  return {
    api: 'metadata',
    version,
    request: { type: 'metadata', topics: ['orders', '__consumer_offsets', 'missing'], allowAutoTopicCreation: true },
    response: {
      brokers,
      // The controller travels from version 1 on, the cluster id from version 2 on.
      ...(version >= 1 ? { controllerId: 2 } : {}),
      ...(version >= 2 ? { clusterId: 'test-cluster' } : {}),
      topics: [
        { name: 'orders', partitions: ordersPartitions },
        { name: '__consumer_offsets', partitions: [{ partition: 0, leader: 2, replicas: [2], isr: [2] }] },
        { name: 'missing', error: error(3), partitions: [] },
      ],
    },
    kafkajs: {
      path: `metadata/v${version}`,
      request: { topics: ['orders', '__consumer_offsets', 'missing'], allowAutoTopicCreation: true },
      response: {
        brokers: [{ nodeId: 1, host: 'localhost', port: 9092, ...(version >= 1 ? { rack: null } : {}) }, { nodeId: 2 }],
        ...(version >= 1 ? { controllerId: 2 } : {}),
        ...(version >= 2 ? { clusterId: 'test-cluster' } : {}),
        topicMetadata: [
          {
            topicErrorCode: 0,
            topic: 'orders',
            ...(version >= 1 ? { isInternal: false } : {}),
            partitionMetadata: [
              { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1, 2] },
              { partitionErrorCode: 0, partitionId: 1, leader: -1, replicas: [2, 1], isr: [] },
            ],
          },
          { topic: '__consumer_offsets', ...(version >= 1 ? { isInternal: true } : {}) },
          { topicErrorCode: 3, topic: 'missing', partitionMetadata: [] },
        ],
      },
    },
  };
}

function createTopicsCase(version: number): Case {
  const exists = { code: 'TOPIC_ALREADY_EXISTS', message: 'topic "logs" already exists' };
  return {
    api: 'createTopics',
    version,
    request: {
      type: 'createTopics',
      topics: [
        { name: 'orders', partitions: 3, replicationFactor: 2, configs: { 'min.insync.replicas': '2' } },
        { name: 'logs', partitions: 1 },
      ],
    },
    // The broker's own words travel from version 1 on; before, the client says what the code means.
    response: { topics: [{ name: 'orders' }, { name: 'logs', error: version >= 1 ? exists : error(36) }] },
    kafkajs: {
      path: `createTopics/v${version}`,
      request: {
        topics: [
          { topic: 'orders', numPartitions: 3, replicationFactor: 2, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
          { topic: 'logs', numPartitions: 1 },
        ],
        timeout: 60_000,
        validateOnly: false,
      },
      // KafkaJS sorts the topics by name.
      response: {
        topicErrors: [
          { topic: 'logs', errorCode: 36, ...(version >= 1 ? { errorMessage: exists.message } : {}) },
          { topic: 'orders', errorCode: 0 },
        ],
      },
    },
  };
}

const CASES: Case[] = [
  ...[0, 1, 2].map(
    (version): Case => ({
      api: 'apiVersions',
      version,
      request: { type: 'apiVersions' },
      response: { apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 3 }, { apiKey: 3, minVersion: 0, maxVersion: 4 }] },
      kafkajs: { path: `apiVersions/v${version}`, request: {}, response: { errorCode: 0, apiVersions: [{ apiKey: 0, minVersion: 3, maxVersion: 3 }, { apiKey: 3, minVersion: 0, maxVersion: 4 }] } },
    }),
  ),
  {
    api: 'produce',
    version: 3,
    request: { type: 'produce', acks: -1, timeoutMs: 30_000, batches: [{ topic: 'orders', partition: 0, records: BATCH }] },
    response: { results: [{ topic: 'orders', partition: 0, baseOffset: 42 }] },
    kafkajs: {
      path: 'produce/v3',
      request: { acks: -1, timeout: 30_000, topicData: [{ topic: 'orders', partitions: [{ partition: 0, messages: [{ key: null, value: 'first', timestamp: TIMESTAMP }, { key: null, value: 'second', timestamp: TIMESTAMP }] }] }] },
      response: { topics: [{ topicName: 'orders', partitions: [{ partition: 0, errorCode: 0, baseOffset: '42' }] }] },
    },
  },
  ...[0, 1, 2, 3, 4].map(metadataCase),
  {
    api: 'metadata',
    version: 4,
    request: { type: 'metadata', topics: ['orders'], allowAutoTopicCreation: false },
    response: { brokers, controllerId: 1, clusterId: 'test-cluster', topics: [{ name: 'orders', partitions: ordersPartitions }] },
    kafkajs: { path: 'metadata/v4', request: { topics: ['orders'], allowAutoTopicCreation: false } },
  },
  ...[0, 1, 2, 3].map(createTopicsCase),
  {
    api: 'fetch',
    version: 4,
    request: {
      type: 'fetch',
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52_428_800,
      partitions: [
        { topic: 'orders', partition: 0, offset: 0, maxBytes: 1_048_576 },
        { topic: 'orders', partition: 1, offset: 42, maxBytes: 1_048_576 },
        { topic: 'logs', partition: 0, offset: 7, maxBytes: 1024 },
      ],
    },
    response: {
      partitions: [
        { topic: 'orders', partition: 0, highWatermark: 2, logStartOffset: -1, records: BATCH },
        { topic: 'orders', partition: 1, highWatermark: 42, logStartOffset: -1, records: NO_RECORDS },
        { topic: 'logs', partition: 0, highWatermark: -1, logStartOffset: -1, records: NO_RECORDS, error: error(6) },
      ],
    },
    kafkajs: {
      path: 'fetch/v4',
      request: {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 52_428_800,
        isolationLevel: 0,
        topics: [
          { topic: 'orders', partitions: [{ partition: 0, fetchOffset: '0', maxBytes: 1_048_576 }, { partition: 1, fetchOffset: '42', maxBytes: 1_048_576 }] },
          { topic: 'logs', partitions: [{ partition: 0, fetchOffset: '7', maxBytes: 1024 }] },
        ],
      },
      response: {
        responses: [
          {
            topicName: 'orders',
            partitions: [
              { partition: 0, errorCode: 0, highWatermark: '2', lastStableOffset: '2', messages: [{ value: Buffer.from('first') }, { value: Buffer.from('second') }] },
              { partition: 1, errorCode: 0, highWatermark: '42', messages: [] },
            ],
          },
          { topicName: 'logs', partitions: [{ partition: 0, errorCode: 6, messages: [] }] },
        ],
      },
    },
  },
  {
    api: 'listOffsets',
    version: 1,
    // A time (kcat -o s@<ms>, offsetsForTimes) and a sentinel; the answer names the record found and its timestamp.
    request: { type: 'listOffsets', partitions: [{ topic: 'orders', partition: 0, timestamp: 1_700_000_000_000 }, { topic: 'orders', partition: 1, timestamp: -1 }] },
    response: { partitions: [{ topic: 'orders', partition: 0, offset: 7, timestamp: 1_700_000_000_123 }, { topic: 'orders', partition: 1, offset: -1, timestamp: -1, error: error(6) }] },
    kafkajs: {
      path: 'listOffsets/v1',
      request: { replicaId: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: 1_700_000_000_000 }, { partition: 1, timestamp: -1 }] }] },
      response: { responses: [{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0, timestamp: '1700000000123', offset: '7' }, { partition: 1, errorCode: 6, timestamp: '-1', offset: '-1' }] }] },
    },
  },
  {
    api: 'findCoordinator',
    version: 0,
    request: { type: 'findCoordinator', key: 'readers' },
    response: { nodeId: 2, host: 'localhost', port: 9093 },
    kafkajs: { path: 'findCoordinator/v0', request: { groupId: 'readers' }, response: { errorCode: 0, coordinator: { nodeId: 2, host: 'localhost', port: 9093 } } },
  },
  {
    api: 'joinGroup',
    version: 2,
    request: {
      type: 'joinGroup',
      groupId: 'readers',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 60_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [
        { name: 'range', metadata: Buffer.from([0, 1, 2]) },
        { name: 'roundrobin', metadata: NO_RECORDS },
      ],
    },
    response: {
      generationId: 3,
      protocolName: 'range',
      leader: 'm-1',
      memberId: 'm-2',
      members: [
        { memberId: 'm-1', metadata: Buffer.from('one') },
        { memberId: 'm-2', metadata: Buffer.from('two') },
      ],
    },
    kafkajs: {
      path: 'joinGroup/v2',
      request: {
        groupId: 'readers',
        sessionTimeout: 10_000,
        rebalanceTimeout: 60_000,
        memberId: '',
        protocolType: 'consumer',
        groupProtocols: [
          { name: 'range', metadata: Buffer.from([0, 1, 2]) },
          { name: 'roundrobin', metadata: NO_RECORDS },
        ],
      },
      response: { errorCode: 0, generationId: 3, groupProtocol: 'range', leaderId: 'm-1', memberId: 'm-2', members: [{ memberId: 'm-1', memberMetadata: Buffer.from('one') }, { memberId: 'm-2' }] },
    },
  },
  {
    api: 'syncGroup',
    version: 1,
    request: {
      type: 'syncGroup',
      groupId: 'readers',
      generationId: 3,
      memberId: 'm-1',
      assignments: [
        { memberId: 'm-1', assignment: Buffer.from([1]) },
        { memberId: 'm-2', assignment: NO_RECORDS },
      ],
    },
    response: { assignment: Buffer.from([1]) },
    kafkajs: {
      path: 'syncGroup/v1',
      request: {
        groupId: 'readers',
        generationId: 3,
        memberId: 'm-1',
        groupAssignment: [
          { memberId: 'm-1', memberAssignment: Buffer.from([1]) },
          { memberId: 'm-2', memberAssignment: NO_RECORDS },
        ],
      },
      response: { errorCode: 0, memberAssignment: Buffer.from([1]) },
    },
  },
  {
    api: 'heartbeat',
    version: 1,
    request: { type: 'heartbeat', groupId: 'readers', generationId: 3, memberId: 'm-1' },
    response: {},
    kafkajs: { path: 'heartbeat/v1', request: { groupId: 'readers', groupGenerationId: 3, memberId: 'm-1' }, response: { errorCode: 0 } },
  },
  {
    api: 'leaveGroup',
    version: 1,
    request: { type: 'leaveGroup', groupId: 'readers', memberId: 'm-1' },
    response: {},
    kafkajs: { path: 'leaveGroup/v1', request: { groupId: 'readers', memberId: 'm-1' }, response: { errorCode: 0 } },
  },
  {
    api: 'offsetCommit',
    version: 2,
    request: {
      type: 'offsetCommit',
      groupId: 'readers',
      generationId: 3,
      memberId: 'm-1',
      offsets: [
        { topic: 'orders', partition: 0, offset: 10 },
        { topic: 'orders', partition: 1, offset: 0, metadata: 'note' },
      ],
    },
    response: {},
    kafkajs: {
      path: 'offsetCommit/v2',
      request: { groupId: 'readers', groupGenerationId: 3, memberId: 'm-1', retentionTime: -1, topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '10' }, { partition: 1, offset: '0', metadata: 'note' }] }] },
      response: { responses: [{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 0 }] }] },
    },
  },
  {
    api: 'offsetFetch',
    version: 1,
    request: { type: 'offsetFetch', groupId: 'readers', partitions: [{ topic: 'orders', partition: 0 }, { topic: 'logs', partition: 2 }] },
    response: { partitions: [{ topic: 'orders', partition: 0, offset: 10, metadata: 'note' }, { topic: 'logs', partition: 2, offset: -1, metadata: '' }] },
    kafkajs: {
      path: 'offsetFetch/v1',
      request: { groupId: 'readers', topics: [{ topic: 'orders', partitions: [{ partition: 0 }] }, { topic: 'logs', partitions: [{ partition: 2 }] }] },
      response: { responses: [{ topic: 'orders', partitions: [{ partition: 0, offset: '10', metadata: 'note', errorCode: 0 }] }, { topic: 'logs', partitions: [{ partition: 2, offset: '-1', metadata: '', errorCode: 0 }] }] },
    },
  },
  // KafkaJS does not speak the requests below: brokers send them to each other.
  {
    api: 'offsetsForLeaderEpoch',
    version: 3,
    request: {
      type: 'offsetsForLeaderEpoch',
      replicaId: 2,
      partitions: [
        { topic: 'orders', partition: 0, leaderEpoch: 4, currentLeaderEpoch: 5 },
        { topic: 'orders', partition: 1, leaderEpoch: -1 },
      ],
    },
    response: {
      partitions: [
        { topic: 'orders', partition: 0, leaderEpoch: 4, endOffset: 120 },
        { topic: 'orders', partition: 1, leaderEpoch: -1, endOffset: -1, error: error(74) },
      ],
    },
  },
  // The dashboard's requests (npm run dashboard): Kafka's own ListGroups and DescribeGroups, and the workshop's DescribeReplicas.
  {
    api: 'listGroups',
    version: 0,
    request: { type: 'listGroups' },
    response: { groups: [{ groupId: 'numtest-group', protocolType: 'consumer' }] },
    kafkajs: { path: 'listGroups/v0', request: {}, response: { groups: [{ groupId: 'numtest-group', protocolType: 'consumer' }] } },
  },
  {
    api: 'describeGroups',
    version: 0,
    request: { type: 'describeGroups', groupIds: ['numtest-group', 'other'] },
    response: {
      groups: [
        { groupId: 'numtest-group', state: 'Stable', protocolType: 'consumer', protocolName: 'range', members: [{ memberId: 'consumer-1', assignment: Buffer.from('0000000000010007746573742d7470000000010000000000000000', 'hex') }] },
        { groupId: 'other', state: 'Dead', protocolType: '', protocolName: '', members: [] },
      ],
    },
    kafkajs: {
      path: 'describeGroups/v0',
      request: { groupIds: ['numtest-group', 'other'] },
      response: { groups: [{ errorCode: 0, groupId: 'numtest-group', state: 'Stable', protocolType: 'consumer', protocol: 'range', members: [{ memberId: 'consumer-1', clientId: '', clientHost: '' }] }, { groupId: 'other', state: 'Dead', members: [] }] },
    },
  },
  { api: 'describeReplicas', version: 0, request: { type: 'describeReplicas' }, response: { brokerId: 2, replicas: [{ topic: 'orders', partition: 0, leader: true, logEndOffset: 120, highWatermark: 117 }] } },
  { api: 'brokerRegistration', version: 0, request: { type: 'brokerRegistration', brokerId: 2, host: 'localhost', port: 9093 }, response: { brokerEpoch: 17 } },
  { api: 'brokerHeartbeat', version: 0, request: { type: 'brokerHeartbeat', brokerId: 2, brokerEpoch: 17 }, response: { isFenced: false } },
  {
    api: 'alterPartition',
    version: 0,
    request: { type: 'alterPartition', brokerId: 1, topic: 'orders', partition: 0, leaderEpoch: 3, partitionEpoch: 7, newIsr: [1, 2] },
    response: { leader: 1, leaderEpoch: 3, partitionEpoch: 8, isr: [1, 2] },
  },
];
// #endregion cases

// #region helpers
const nameOf = ({ api, version }: Case) => `${api} v${version}`;

function requestBody(api: RequestType, version: number, request: object): Buffer {
  const codec = codecOf(api);
  return encode(codec.requestSchema(version), codec.requestToWire(request, version));
}

function readRequest(api: RequestType, version: number, body: Buffer): unknown {
  const codec = codecOf(api);
  return codec.requestFromWire(decode(codec.requestSchema(version), body, `${api} v${version} request`), version);
}

function responseBody(api: RequestType, version: number, response: object, request: object): Buffer {
  const codec = codecOf(api);
  return encode(codec.responseSchema(version), codec.responseToWire(response, request, version));
}

function readResponse(api: RequestType, version: number, body: Buffer): unknown {
  const codec = codecOf(api);
  return codec.responseFromWire(decode(codec.responseSchema(version), body, `${api} v${version} response`), version);
}

/** Every error code anywhere in a response as the code reads it. */
function errorCodesIn(value: unknown): string[] {
  if (Buffer.isBuffer(value) || typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(errorCodesIn);
  const own = 'error' in value && typeof value.error === 'object' && value.error !== null && 'code' in value.error ? [String(value.error.code)] : [];
  return [...own, ...Object.entries(value).flatMap(([key, field]) => (key === 'error' ? [] : errorCodesIn(field)))];
}
// #endregion helpers

// Every version of every api has a case above: a codec added without one fails here, at load.
for (const api of Object.keys(APIS) as RequestType[]) {
  for (let version = APIS[api].minVersion; version <= APIS[api].maxVersion; version++) {
    if (!CASES.some((c) => c.api === api && c.version === version)) throw new Error(`protocol.test.ts has no case for ${api} v${version}: add one to CASES`);
  }
}

/** Cases whose request has a body: those of ApiVersions v0-2, ListGroups v0 and DescribeReplicas are empty, with nothing to read or compare. */
const EMPTY_REQUESTS: RequestType[] = ['apiVersions', 'listGroups', 'describeReplicas'];
const WITH_BODY = CASES.filter((c) => !EMPTY_REQUESTS.includes(c.api));

describe('every request and response reads back as it was written', () => {
  test.each(WITH_BODY.map((c) => [`task ${taskOf(c.api, 'request')}: ${nameOf(c)}`, c] as const))('%s request round trip', (_name, { api, version, request }) => {
    expect(readRequest(api, version, requestBody(api, version, request))).toEqual(request);
  });

  test.each(CASES.map((c) => [`task ${taskOf(c.api, 'response')}: ${nameOf(c)}`, c] as const))('%s response round trip', (_name, { api, version, request, response }) => {
    expect(readResponse(api, version, responseBody(api, version, response, request))).toEqual(response);
  });

  test.each(CASES.map((c) => [`task ${taskOf(c.api, 'response')}: ${nameOf(c)}`, c] as const))('%s refused as a whole: the client reads the error back', (_name, { api, version, request }) => {
    const refused = { error: { code: 'NOT_COORDINATOR', message: 'this broker does not coordinate the group' } };
    const codes = errorCodesIn(readResponse(api, version, responseBody(api, version, refused, request)));
    expect(codes.length, 'at least one error field carries the refusal').toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['NOT_COORDINATOR']));
  });
});

describe('the same bytes as a real client (KafkaJS 2.2.4)', () => {
  const withKafkaJS = WITH_BODY.filter((c) => c.kafkajs?.request);

  test.each(withKafkaJS.map((c) => [`task ${taskOf(c.api, 'request')}: ${nameOf(c)}`, c] as const))('%s request: byte for byte KafkaJS\'s', async (_name, { api, version, request, kafkajs }) => {
    const theirs = await kafkajsRequestBody(kafkajs!.path, kafkajs!.request!);
    expect(requestBody(api, version, request).toString('hex')).toBe(theirs.toString('hex'));
    expect(readRequest(api, version, theirs), 'KafkaJS\'s bytes read as the same request').toEqual(request);
  });

  const readByKafkaJS = CASES.filter((c) => c.kafkajs?.response);

  test.each(readByKafkaJS.map((c) => [`task ${taskOf(c.api, 'response')}: ${nameOf(c)}`, c] as const))('%s response: KafkaJS reads what the broker wrote', async (_name, { api, version, request, response, kafkajs }) => {
    const ours = responseBody(api, version, response, request);
    expect(await kafkajsReadsResponse(kafkajs!.path, ours)).toMatchObject(kafkajs!.response!);
    expect(readResponse(api, version, ours), 'and our own client reads it back the same').toEqual(response);
  });
});

describe('a body cut short or made up is an InvalidRequestError, never a crash', () => {
  test.each(CASES.map((c) => [`task ${taskOf(c.api, 'response')}: ${nameOf(c)}`, c] as const))('%s cut at every byte', (_name, { api, version, request, response }) => {
    const codec = codecOf(api);
    for (const [schema, body] of [
      [codec.requestSchema(version), requestBody(api, version, request)],
      [codec.responseSchema(version), responseBody(api, version, response, request)],
    ] as const) {
      for (let cut = 0; cut < body.length; cut++) {
        expect(() => decode(schema, body.subarray(0, cut), 'a cut body'), `cut at ${cut} of ${body.length}`).toThrow(InvalidRequestError);
      }
      expect(() => decode(schema, Buffer.concat([body, Buffer.from([0])]), 'a body with a byte too many')).toThrow(InvalidRequestError);
    }
  });

  test('task 7: random bytes read as a request or fail with InvalidRequestError', () => {
    const versions = CASES.map(({ api, version }) => ({ api, version }));
    assertProperty(
      fc.property(fc.constantFrom(...versions), fc.uint8Array({ maxLength: 64 }), ({ api, version }, bytes) => {
        try {
          readRequest(api, version, Buffer.from(bytes));
        } catch (thrown) {
          if (!(thrown instanceof InvalidRequestError)) throw thrown;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Metadata: which topics "all" is', () => {
  const all = { type: 'metadata', allowAutoTopicCreation: true };

  test('task 7: in v0 an empty list asks for every topic', () => {
    expect(requestBody('metadata', 0, { type: 'metadata' }).toString('hex')).toBe('00000000');
    expect(readRequest('metadata', 0, Buffer.from('00000000', 'hex'))).toEqual(all);
    // A client cannot ask v0 for no topics, nor v0-3 not to create them: the versions have no way to say it.
    expect(() => requestBody('metadata', 0, { type: 'metadata', topics: [] })).toThrow(/every topic/);
    expect(() => requestBody('metadata', 3, { type: 'metadata', allowAutoTopicCreation: false })).toThrow(/v4/);
  });

  test('task 7: in v1+ null asks for every topic and an empty list for none', () => {
    for (const version of [1, 2, 3]) {
      expect(requestBody('metadata', version, { type: 'metadata' }).toString('hex')).toBe('ffffffff');
      expect(readRequest('metadata', version, Buffer.from('ffffffff', 'hex'))).toEqual(all);
      expect(readRequest('metadata', version, Buffer.from('00000000', 'hex'))).toEqual({ ...all, topics: [] });
    }
    expect(readRequest('metadata', 4, Buffer.from('ffffffff00', 'hex'))).toEqual({ type: 'metadata', allowAutoTopicCreation: false });
  });

  test('task 7: a response without controller or cluster id says -1 and the default cluster id', () => {
    const wire = decode(codecOf('metadata').responseSchema(2), responseBody('metadata', 2, { brokers: [], topics: [] }, { type: 'metadata' }), 'metadata');
    expect(wire).toMatchObject({ controllerId: -1, clusterId: 'kafka-from-scratch' });
    expect(readResponse('metadata', 2, responseBody('metadata', 2, { brokers: [], topics: [] }, { type: 'metadata' }))).toEqual({ brokers: [], clusterId: 'kafka-from-scratch', topics: [] });
  });
});

describe('Fetch v4', () => {
  const request = { type: 'fetch', replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 100, partitions: [{ topic: 'orders', partition: 0, offset: 5, maxBytes: 100 }] };

  test('task 5: an empty partition\'s records are zero bytes, never null', () => {
    const body = responseBody('fetch', 4, { partitions: [{ topic: 'orders', partition: 0, highWatermark: 5, logStartOffset: 0, records: NO_RECORDS }] }, request);
    const wire = decode(codecOf('fetch').responseSchema(4), body, 'fetch response') as { responses: Array<{ partitions: Array<{ records: Buffer | null }> }> };
    expect(wire.responses[0]!.partitions[0]!.records).toEqual(NO_RECORDS);
    expect(body.subarray(-4).toString('hex'), 'the records field: an int32 length of 0').toBe('00000000');
  });

  test('task 1: null records read as an empty record set', () => {
    const codec = codecOf('fetch');
    const wire = { throttleTimeMs: 0, responses: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 5, lastStableOffset: 5, abortedTransactions: null, records: null }] }] };
    expect(readResponse('fetch', 4, encode(codec.responseSchema(4), wire))).toEqual({ partitions: [{ topic: 'orders', partition: 0, highWatermark: 5, logStartOffset: -1, records: NO_RECORDS }] });
  });

  test('task 1: a partition without a limit of its own takes the request\'s; the leader epoch does not travel in v4', () => {
    const asked = { ...request, maxBytes: 777, partitions: [{ topic: 'orders', partition: 0, offset: 5, currentLeaderEpoch: 3 }] };
    expect(readRequest('fetch', 4, requestBody('fetch', 4, asked))).toEqual({ ...asked, partitions: [{ topic: 'orders', partition: 0, offset: 5, maxBytes: 777 }] });
  });
});

describe('what the wire can say but the handlers must not see', () => {
  const refused = (api: RequestType, version: number, request: object, message: RegExp) => {
    expect(() => readRequest(api, version, requestBody(api, version, request))).toThrow(InvalidRequestError);
    expect(() => readRequest(api, version, requestBody(api, version, request))).toThrow(message);
  };

  test('task 1: negative partition indexes, sizes and timeouts', () => {
    refused('fetch', 4, { replicaId: -1, maxWaitMs: -5, minBytes: 1, maxBytes: 1, partitions: [] }, /max_wait_ms is -5/);
    refused('fetch', 4, { replicaId: -1, maxWaitMs: 5, minBytes: 1, maxBytes: 1, partitions: [{ topic: 'orders', partition: -1, offset: 0, maxBytes: 1 }] }, /partition index of topic "orders" is -1/);
    refused('listOffsets', 1, { partitions: [{ topic: 'orders', partition: -2, timestamp: -1 }] }, /partition index/);
    refused('joinGroup', 2, { groupId: 'g', sessionTimeoutMs: -1, rebalanceTimeoutMs: 1, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: NO_RECORDS }] }, /session_timeout_ms/);
    refused('offsetCommit', 2, { groupId: 'g', generationId: 1, memberId: 'm', offsets: [{ topic: 'orders', partition: 0, offset: -3 }] }, /committed offset of orders-0 is -3/);
    refused('alterPartition', 0, { brokerId: 1, topic: 'orders', partition: 0, leaderEpoch: 1, partitionEpoch: 1, newIsr: [1, -1] }, /new_isr\[1\]/);
    refused('brokerRegistration', 0, { brokerId: 1, host: 'localhost', port: 0 }, /port is 0/);
  });

  test('task 1: empty group and member ids, and a join without assignors', () => {
    refused('findCoordinator', 0, { key: '' }, /key/);
    refused('syncGroup', 1, { groupId: '', generationId: 1, memberId: 'm', assignments: [] }, /group_id is empty/);
    refused('leaveGroup', 1, { groupId: 'g', memberId: '' }, /member_id is empty/);
    refused('joinGroup', 2, { groupId: 'g', sessionTimeoutMs: 1, rebalanceTimeoutMs: 1, memberId: '', protocolType: 'consumer', protocols: [] }, /at least one assignor/);
  });

  test('task 1: what this broker does not do: the sentinels of later versions, other isolation levels, placed replicas', () => {
    // -3 is MAX_TIMESTAMP, from ListOffsets v7: version 1 knows only -2 and -1.
    refused('listOffsets', 1, { partitions: [{ topic: 'orders', partition: 0, timestamp: -3 }] }, /-2 \(earliest\) or -1 \(latest\) in ListOffsets v1/);
    const fetch = encode(codecOf('fetch').requestSchema(4), { replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 2, topics: [] });
    expect(() => readRequest('fetch', 4, fetch)).toThrow(/isolation_level is 2/);
    const schema = codecOf('createTopics').requestSchema(1);
    const topic = { name: 'orders', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] };
    const placed = { ...topic, assignments: [{ partitionIndex: 0, brokerIds: [1] }] };
    expect(() => readRequest('createTopics', 1, encode(schema, { topics: [placed], timeoutMs: 0, validateOnly: false }))).toThrow(/assignments/);
  });

  test('task 1: CreateTopics v1\'s validate_only asks the broker to check the topics and create none', () => {
    const schema = codecOf('createTopics').requestSchema(1);
    const topic = { name: 'orders', numPartitions: 3, replicationFactor: 2, assignments: [], configs: [] };
    expect(readRequest('createTopics', 1, encode(schema, { topics: [topic], timeoutMs: 0, validateOnly: true }))).toEqual({ type: 'createTopics', topics: [{ name: 'orders', partitions: 3, replicationFactor: 2 }], validateOnly: true });
    expect(readRequest('createTopics', 1, encode(schema, { topics: [topic], timeoutMs: 0, validateOnly: false })), 'false is the plain request').toEqual({ type: 'createTopics', topics: [{ name: 'orders', partitions: 3, replicationFactor: 2 }] });
  });

  test('task 1: a partition count or replication factor that makes no sense is the broker\'s to answer, topic by topic', () => {
    const schema = codecOf('createTopics').requestSchema(3);
    const topics = [
      { name: 'defaults', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [{ name: 'cleanup.policy', value: null }] },
      { name: 'odd', numPartitions: 0, replicationFactor: -7, assignments: [], configs: [] },
    ];
    expect(readRequest('createTopics', 3, encode(schema, { topics, timeoutMs: 0, validateOnly: false }))).toEqual({
      type: 'createTopics',
      // -1 is Kafka's "the broker's default": no replication factor, no config for a null value.
      topics: [
        { name: 'defaults', partitions: -1 },
        { name: 'odd', partitions: 0, replicationFactor: -7 },
      ],
    });
  });

  test('task 1: OffsetsForLeaderEpoch: current_leader_epoch -1 means "not given"', () => {
    const schema = codecOf('offsetsForLeaderEpoch').requestSchema(3);
    const wire = { replicaId: 1, topics: [{ name: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 2 }] }] };
    expect(readRequest('offsetsForLeaderEpoch', 3, encode(schema, wire))).toEqual({ type: 'offsetsForLeaderEpoch', replicaId: 1, partitions: [{ topic: 'orders', partition: 0, leaderEpoch: 2 }] });
    expect(() => readRequest('offsetsForLeaderEpoch', 3, encode(schema, { ...wire, topics: [{ name: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -4, leaderEpoch: 2 }] }] }))).toThrow(/current_leader_epoch/);
  });
});
