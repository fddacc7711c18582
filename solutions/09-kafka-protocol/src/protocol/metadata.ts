// Metadata: which brokers there are, and for each topic its partitions and their leaders.
//> step 09 rewrites: the request is Kafka's Metadata v0-4 on the wire
//
// Kafka's Metadata is api key 3; this broker speaks versions 0–4. In version 0 an empty list of
// topics asks for every topic. Version 1 made the list nullable: null asks for every topic, and
// an empty list for none (a client that only wants the brokers). Version 1 also added each
// broker's rack, the controller's id and whether a topic is internal; version 2 the cluster id;
// version 3 throttle_time_ms, first in the response; version 4 allow_auto_topic_creation (before
// it, asking for an unknown topic always created it).
//
// Two things the code knows cannot travel in these versions, and stay on the broker's side: a
// partition's leader epoch (Metadata v7+) and a topic's configs (Kafka's DescribeConfigs).
import { perVersion, type ApiCodec } from './api.ts';
import type { ErrorBody } from './envelope.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, boolean, int16, int32, nullableArray, nullableString, string, struct, type Type } from './types.ts';

export interface MetadataRequest {
  type: 'metadata';
  correlationId: number;
  /** The topics to describe (created on first use); every known topic when absent. */
  topics?: string[];
  /** Whether asking for an unknown topic creates it; always true before version 4 (Kafka's allow.auto.create.topics). */
  allowAutoTopicCreation?: boolean;
}

export interface PartitionMetadata {
  partition: number;
  /** The id of the broker that takes the partition's writes. */
  leader: number;
  replicas: number[];
  isr: number[];
  /** Grows with every new leader (step 08): a client that saw a newer epoch knows this answer is stale. */
  leaderEpoch?: number;
}

export interface TopicMetadata {
  name: string;
  error?: ErrorBody;
  partitions: PartitionMetadata[];
  /** The topic's own settings by Kafka's names (`min.insync.replicas`), when it has any. */
  configs?: Record<string, string>;
}

export interface MetadataResponse {
  brokers: Array<{ id: number; host: string; port: number }>;
  /** The broker that runs the cluster (step 08 elects one); kcat -L marks it "(controller)". */
  controllerId?: number;
  /** The cluster's id (version 2+); DEFAULT_CLUSTER_ID when the broker gives none. */
  clusterId?: string;
  topics: TopicMetadata[];
}

/** What a broker that has no cluster id of its own answers in version 2+. */
export const DEFAULT_CLUSTER_ID = 'kafka-from-scratch';

/** The topic where groups commit offsets: clients leave internal topics out of their subscriptions by pattern. */
const INTERNAL_TOPICS = new Set(['__consumer_offsets']);

interface WireRequest {
  /** Null (version 1+) asks for every topic. */
  topics: Array<{ name: string }> | null;
  allowAutoTopicCreation?: boolean;
}

interface WirePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
}

interface WireResponse {
  throttleTimeMs?: number;
  brokers: Array<{ nodeId: number; host: string; port: number; rack?: string | null }>;
  clusterId?: string | null;
  controllerId?: number;
  topics: Array<{ errorCode: number; name: string; isInternal?: boolean; partitions: WirePartition[] }>;
}

const requestSchema = perVersion(0, 4, (version): Type<WireRequest> => {
  const topic = struct({ name: string });
  return struct({
    topics: version === 0 ? array(topic) : nullableArray(topic),
    ...(version >= 4 ? { allowAutoTopicCreation: boolean } : {}),
  });
});

const responseSchema = perVersion(0, 4, (version): Type<WireResponse> => {
//<
  //> step 09 task 7: Metadata's response schema — each version adds its fields, in their place
  const partition = struct({ errorCode: int16, partitionIndex: int32, leaderId: int32, replicaNodes: array(int32), isrNodes: array(int32) });
  return struct({
    ...(version >= 3 ? { throttleTimeMs: int32 } : {}),
    brokers: array(struct({ nodeId: int32, host: string, port: int32, ...(version >= 1 ? { rack: nullableString } : {}) })),
    ...(version >= 2 ? { clusterId: nullableString } : {}),
    ...(version >= 1 ? { controllerId: int32 } : {}),
    topics: array(struct({ errorCode: int16, name: string, ...(version >= 1 ? { isInternal: boolean } : {}), partitions: array(partition) })),
  });
  //<
//> step 09 given
});

export const metadataApi: ApiCodec<Omit<MetadataRequest, 'correlationId'>, MetadataResponse, WireRequest, WireResponse> = {
  key: 3,
  kafkaName: 'Metadata',
  minVersion: 0,
  maxVersion: 4,
  requestSchema,
  responseSchema,
  requestFromWire(wire, version) {
//<
    //> step 09 task 7: Metadata's request — which topics "all" is in each version
    // Version 0 has no way to ask for no topics: its empty list is "all of them".
    const all = wire.topics === null || (version === 0 && wire.topics.length === 0);
    return {
      type: 'metadata',
      ...(all ? {} : { topics: wire.topics!.map(({ name }) => name) }),
      allowAutoTopicCreation: version >= 4 ? wire.allowAutoTopicCreation! : true,
    };
    //<
  //> step 09 given
  },
  requestToWire({ topics, allowAutoTopicCreation = true }, version) {
    if (version === 0 && topics?.length === 0) throw new Error('Metadata v0 cannot ask for no topics: its empty list means every topic');
    if (version < 4 && !allowAutoTopicCreation) throw new Error(`Metadata v${version} always creates the topics it asks about: turning that off needs v4`);
    // Fields a version lacks are left out by its schema, which writes only its own.
    return {
      topics: topics === undefined ? (version === 0 ? [] : null) : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    };
  },
  responseToWire(response, request) {
    // Metadata has no error for the whole request: a refusal goes to every topic asked about.
    const answer: MetadataResponse = 'error' in response ? { brokers: [], topics: (request.topics ?? []).map((name) => ({ name, error: response.error, partitions: [] })) } : response;
    return {
      throttleTimeMs: 0,
      brokers: answer.brokers.map(({ id, host, port }) => ({ nodeId: id, host, port, rack: null })),
      clusterId: answer.clusterId ?? DEFAULT_CLUSTER_ID,
      controllerId: answer.controllerId ?? -1,
      topics: answer.topics.map(({ name, error, partitions }) => ({
        errorCode: errorCode(error),
        name,
        isInternal: INTERNAL_TOPICS.has(name),
        // A partition's own error code stays 0: a partition without a leader says so with leader -1.
        partitions: partitions.map(({ partition, leader, replicas, isr }) => ({ errorCode: 0, partitionIndex: partition, leaderId: leader, replicaNodes: replicas, isrNodes: isr })),
      })),
    };
  },
  responseFromWire: (wire) => ({
    brokers: wire.brokers.map(({ nodeId, host, port }) => ({ id: nodeId, host, port })),
    // -1 (or a version without the field) means no controller is known.
    ...(wire.controllerId !== undefined && wire.controllerId !== -1 ? { controllerId: wire.controllerId } : {}),
    ...(typeof wire.clusterId === 'string' ? { clusterId: wire.clusterId } : {}),
    topics: wire.topics.map(({ errorCode: code, name, partitions }) => {
      const error = errorFromCode(code);
      const topic = {
        name,
        partitions: partitions.map(({ partitionIndex, leaderId, replicaNodes, isrNodes }) => ({ partition: partitionIndex, leader: leaderId, replicas: replicaNodes, isr: isrNodes })),
      };
      return error ? { ...topic, error } : topic;
    }),
  }),
};
  //<
