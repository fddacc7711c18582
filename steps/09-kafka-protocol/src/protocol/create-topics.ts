// CreateTopics: topics made on purpose, each with the number of partitions asked for.
//
// Kafka's CreateTopics is api key 19; this broker speaks versions 0–3. Version 1 added
// validate_only to the request (check every topic as if creating it, create none) and an error
// message per topic to the response; version 2
// throttle_time_ms, first in the response; version 3 changed only when throttling happens.
//
// Each topic names its partition count and replication factor, -1 for the broker's default;
// Kafka also lets a client place every replica itself (assignments), which this broker does not,
// and refuses. Configs are name/value pairs, a null value meaning "not set". The request's
// timeout_ms is how long Kafka may wait for the new topic to reach the brokers: this broker waits
// a few seconds of its own for its metadata to have the topic, and does not read it.
import { perVersion, type ApiCodec } from './api.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { InvalidRequestError } from './types.ts';
import { array, boolean, int16, int32, nullableString, string, struct, type Type } from './types.ts';

export interface CreateTopicsRequest {
  type: 'createTopics';
  correlationId: number;
  topics: NewTopic[];
  /** Check each topic and answer as if creating it, but create none (CreateTopics v1's validate_only). */
  validateOnly?: boolean;
}

export interface NewTopic {
  name: string;
  partitions: number;
  /** Copies of each partition, on as many brokers; the broker's `defaultReplicationFactor` when absent. */
  replicationFactor?: number;
  /** Topic settings by Kafka's names; this broker knows `min.insync.replicas`. */
  configs?: Record<string, string>;
}

/** One entry per topic asked for: no error means it was created. */
export interface CreateTopicsResponse {
  topics: Array<{ name: string; error?: ErrorBody }>;
}

/** Kafka's "the broker's default" for a partition count or a replication factor. */
const DEFAULT = -1;
/** What Kafka's own clients send as timeout_ms when told nothing. */
const TIMEOUT_MS = 60_000;

interface WireTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: Array<{ partitionIndex: number; brokerIds: number[] }>;
  configs: Array<{ name: string; value: string | null }>;
}

interface WireRequest {
  topics: WireTopic[];
  timeoutMs: number;
  validateOnly?: boolean;
}

interface WireResponse {
  throttleTimeMs?: number;
  topics: Array<{ name: string; errorCode: number; errorMessage?: string | null }>;
}

const requestSchema = perVersion(0, 3, (version): Type<WireRequest> =>
  struct({
    topics: array(
      struct({
        name: string,
        numPartitions: int32,
        replicationFactor: int16,
        assignments: array(struct({ partitionIndex: int32, brokerIds: array(int32) })),
        configs: array(struct({ name: string, value: nullableString })),
      }),
    ),
    timeoutMs: int32,
    ...(version >= 1 ? { validateOnly: boolean } : {}),
  }),
);

const responseSchema = perVersion(0, 3, (version): Type<WireResponse> =>
  struct({
    ...(version >= 2 ? { throttleTimeMs: int32 } : {}),
    topics: array(struct({ name: string, errorCode: int16, ...(version >= 1 ? { errorMessage: nullableString } : {}) })),
  }),
);

function topicFromWire({ name, numPartitions, replicationFactor, assignments, configs }: WireTopic): NewTopic {
  if (assignments.length > 0) {
    throw new InvalidRequestError(`topic "${name}" places its replicas itself (assignments), which this broker does not support: send num_partitions and replication_factor instead`);
  }
  // A null value is a setting left at its default: the same as not naming it.
  const set = configs.filter((config): config is { name: string; value: string } => config.value !== null);
  // Whether the count and the factor make sense is the broker's answer, topic by topic
  // (INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR), not a reason to refuse the whole request.
  return {
    name,
    partitions: numPartitions,
    ...(replicationFactor === DEFAULT ? {} : { replicationFactor }),
    ...(set.length > 0 ? { configs: Object.fromEntries(set.map(({ name: key, value }) => [key, value])) } : {}),
  };
}

export const createTopicsApi: ApiCodec<Omit<CreateTopicsRequest, 'correlationId'>, CreateTopicsResponse, WireRequest, WireResponse> = {
  key: 19,
  kafkaName: 'CreateTopics',
  minVersion: 0,
  maxVersion: 3,
  requestSchema,
  responseSchema,
  requestFromWire(wire) {
    return { type: 'createTopics', topics: wire.topics.map(topicFromWire), ...(wire.validateOnly ? { validateOnly: true } : {}) };
  },
  // Fields a version lacks are left out by its schema, which writes only its own.
  requestToWire: ({ topics, validateOnly = false }) => ({
    topics: topics.map(({ name, partitions, replicationFactor = DEFAULT, configs = {} }) => ({
      name,
      numPartitions: partitions,
      replicationFactor,
      assignments: [],
      configs: Object.entries(configs).map(([key, value]) => ({ name: key, value })),
    })),
    timeoutMs: TIMEOUT_MS,
    validateOnly,
  }),
  responseToWire(response, request) {
    const topics = 'error' in response ? request.topics.map(({ name }) => ({ name, error: response.error })) : response.topics;
    return {
      throttleTimeMs: 0,
      topics: topics.map(({ name, error }) => ({ name, errorCode: errorCode(error), errorMessage: error?.message ?? null })),
    };
  },
  responseFromWire: (wire) => ({
    topics: wire.topics.map(({ name, errorCode: code, errorMessage }) => {
      // Version 1+ carries the broker's own words; before it, the client says what the code means.
      const error = errorFromCode(code, errorMessage);
      return error ? { name, error } : { name };
    }),
  }),
};
