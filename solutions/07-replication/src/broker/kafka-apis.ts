// The broker's request handlers, one per API (Kafka's KafkaApis). The Broker reads a request off
// a connection and parses it; KafkaApis.handle routes it by type to its handler, which asks the
// replica manager (records, topics, replicas) or the group coordinator (groups, offsets) and
// builds the answer. They lived in broker.ts until step 07, when a cluster's requests made them
// too many to read beside the broker's own work: starting, serving connections, stopping.
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { errorBody } from '../common/errors.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { AppendedBatch } from './delayed-produce.ts';
import type { BrokerInfo, ReplicaManager } from './replica-manager.ts';
import type { CreateTopicsRequest, CreateTopicsResponse, FindCoordinatorResponse, LeaderAndIsrRequest, LeaderAndIsrResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, ProduceResult, Request, RequestOf, RequestType, ResponseOf, TopicMetadata } from '../protocol/index.ts';

export interface KafkaApisOptions {
  /** This broker's id. */
  id: number;
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  replicaManager: ReplicaManager;
  /** Runs the consumer groups: joins, rebalances, heartbeats, commits (group-coordinator.ts). */
  coordinator: GroupCoordinator;
  /** Every broker of the cluster, this one included. */
  brokers: () => BrokerInfo[];
  /** The broker that coordinates every group and holds __consumer_offsets. */
  coordinatorId: () => number;
  /** The most partitions a topic may be created with (see handleCreateTopics). */
  maxPartitionsPerTopic: number;
}

export class KafkaApis {
  private readonly id: number;
  private readonly replicaManager: ReplicaManager;
  private readonly coordinator: GroupCoordinator;
  private readonly brokers: () => BrokerInfo[];
  private readonly coordinatorId: () => number;
  private readonly maxPartitionsPerTopic: number;
  /** Requests received per type, so tests and demos can count round trips. */
  private readonly requestCounts = new Map<string, number>();

  constructor(options: KafkaApisOptions) {
    this.id = options.id;
    this.replicaManager = options.replicaManager;
    this.coordinator = options.coordinator;
    this.brokers = options.brokers;
    this.coordinatorId = options.coordinatorId;
    this.maxPartitionsPerTopic = options.maxPartitionsPerTopic;
  }

  /** How many requests of this type arrived since the broker started. */
  requestCount(type: string): number {
    return this.requestCounts.get(type) ?? 0;
  }

  /** Each request type's handler; later steps add theirs. The types hold each to its own request and response. */
  private readonly handlers: { [K in RequestType]: (request: RequestOf<K>, clientGone?: AbortSignal) => ResponseOf<K> | Promise<ResponseOf<K>> } = {
    produce: (request, clientGone) => this.handleProduce(request, clientGone),
    metadata: (request) => this.handleMetadata(request),
    createTopics: (request) => this.handleCreateTopics(request),
    listOffsets: (request) => this.handleListOffsets(request),
    fetch: (request, clientGone) => this.replicaManager.fetch(request, clientGone),
    findCoordinator: () => this.handleFindCoordinator(),
    joinGroup: (request) => this.coordinator.join(request),
    syncGroup: (request) => this.coordinator.sync(request),
    heartbeat: (request) => this.coordinator.heartbeat(request),
    leaveGroup: (request) => this.coordinator.leave(request),
    offsetCommit: (request) => this.coordinator.commitOffsets(request),
    offsetFetch: (request) => this.coordinator.fetchOffsets(request),
    listGroups: () => ({ groups: this.coordinator.list() }),
    describeGroups: (request) => ({ groups: request.groupIds.map((groupId) => this.coordinator.describeForClient(groupId)) }),
    leaderAndIsr: (request) => this.handleLeaderAndIsr(request),
    describeReplicas: () => ({ brokerId: this.id, replicas: this.replicaManager.describeReplicas() }),
  };

  /** Routes a request to its handler by type. */
  handle(request: Request, clientGone?: AbortSignal): ResponseOf<RequestType> | Promise<ResponseOf<RequestType>> {
    this.requestCounts.set(request.type, this.requestCount(request.type) + 1);
    // TypeScript cannot see that request.type picks the handler for this very request; it does.
    const handler = this.handlers[request.type] as (request: Request, clientGone?: AbortSignal) => ResponseOf<RequestType> | Promise<ResponseOf<RequestType>>;
    return handler(request, clientGone);
  }

  /** Creates the topics asked for; each gets its own result, as in Kafka's CreateTopics. */
  private async handleCreateTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const created = request.topics.map(async ({ name, partitions, replicationFactor, configs }) => {
      if (name === OFFSETS_TOPIC) return { name, error: { code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal: the broker creates it when a group first needs it` } };
      if (this.replicaManager.hasTopic(name)) return { name, error: { code: 'TOPIC_ALREADY_EXISTS', message: `topic "${name}" already exists` } };
      // Kafka sets no limit per topic, but it refuses what it cannot do. Here every partition is a
      // folder with two files held open for as long as the broker runs: a million of them would
      // take every file handle the process may have, freeze the broker while it tried, and leave a
      // half-made topic to reload at every restart. So the count is checked before anything is created.
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > this.maxPartitionsPerTopic) {
        return { name, error: { code: 'INVALID_PARTITIONS', message: `a topic needs a whole number of partitions from 1 to ${this.maxPartitionsPerTopic} (maxPartitionsPerTopic), not ${partitions}` } };
      }
      try {
        const { announced } = this.replicaManager.createTopic(name, { partitions, replicationFactor, configs });
        await announced;
        return { name };
      } catch (error) {
        return { name, error: errorBody(error) };
      }
    });
    return { topics: await Promise.all(created) };
  }

  /** A topic's metadata, or the error that keeps it from existing (a bad name, say). */
  private describeTopic(name: string): TopicMetadata {
    try {
      const { partitions, configs } = this.replicaManager.layoutOf(name);
      return { name, configs, partitions };
    } catch (error) {
      return { name, error: errorBody(error), partitions: [] };
    }
  }

  /** The brokers, and each asked-for topic's partitions with their leader. */
  private handleMetadata(request: MetadataRequest): MetadataResponse {
    const names = request.topics ?? this.replicaManager.topicNames();
    const topics = names.map((name) => this.describeTopic(name));
    return { brokers: this.brokers(), topics };
  }

  /** Appends each batch to its partition; one result per batch, and one bad batch spoils no other. */
  private async handleProduce(request: ProduceRequest, clientGone?: AbortSignal): Promise<ProduceResponse> {
    const appended = request.batches.map(({ topic, partition, records }): AppendedBatch => {
      const refused = (error: ProduceResult['error']) => ({ result: { topic, partition, baseOffset: -1, error }, endOffset: -1 });
      if (topic === OFFSETS_TOPIC) {
        // Only the coordinator writes commits there; a stray record could corrupt every group's offsets.
        return refused({ code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal and only the group coordinator writes to it; commit offsets with consumer.commit()` });
      }
      try {
        const baseOffset = this.replicaManager.append(topic, partition, records, request.acks);
        return { result: { topic, partition, baseOffset }, endOffset: baseOffset + records.length };
      } catch (error) {
        return refused(errorBody(error));
      }
    });
    if (request.acks !== -1) return { results: appended.map(({ result }) => result) };
    return { results: await this.replicaManager.awaitInSyncReplicas(appended, request.timeoutMs, clientGone) };
  }

  /** Where each partition starts (earliest, -2) or ends (latest, -1): Kafka's ListOffsets. */
  private handleListOffsets(request: ListOffsetsRequest): ListOffsetsResponse {
    const partitions = request.partitions.map(({ topic, partition, timestamp }) => {
      try {
        return { topic, partition, ...this.replicaManager.listOffset(topic, partition, timestamp) };
      } catch (error) {
        return { topic, partition, offset: -1, timestamp: -1, error: errorBody(error) };
      }
    });
    return { partitions };
  }

  /**
   * Every group request goes to the group's coordinator. Alone in its cluster, this broker
   * coordinates every group; in a cluster it is the leader of the group's partition of
   * __consumer_offsets (step 08).
   */
  private handleFindCoordinator(): FindCoordinatorResponse {
    const coordinator = this.brokers().find((broker) => broker.id === this.coordinatorId())!;
    return { nodeId: coordinator.id, host: coordinator.host, port: coordinator.port };
  }

  /** Another broker told this one a topic's layout (it created the topic, or leads a partition whose ISR changed). */
  private handleLeaderAndIsr(request: LeaderAndIsrRequest): LeaderAndIsrResponse {
    for (const layout of request.topics) this.replicaManager.applyLayout(layout);
    return {};
  }
}
