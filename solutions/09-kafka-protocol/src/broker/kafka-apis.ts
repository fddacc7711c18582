// The broker's request handlers, one per API (Kafka's KafkaApis). The Broker reads a request off
// a connection and parses it; KafkaApis.handle routes it by type to its handler, which asks the
// replica manager (records, topics, replicas) or the group coordinator (groups, offsets) and
// builds the answer. They lived in broker.ts until step 07, when a cluster's requests made them
// too many to read beside the broker's own work: starting, serving connections, stopping.
//
// From step 08 some answers need the controller: a topic is created by it (the broker forwards
// the request and waits until its own metadata has the topic), and a group is coordinated by the
// leader of its __consumer_offsets partition, wherever the controller put that leader.
import type { Connection } from '../network/connection.ts';
import { partitionFor } from './consumer-offsets.ts';
import { OFFSETS_TOPIC } from '../common/topic-name.ts';
import { KafkaError, errorBody } from '../common/errors.ts';
import type { GroupCoordinator } from './group-coordinator.ts';
import type { AppendedBatch } from './delayed-produce.ts';
import type { ReplicaManager } from './replica-manager.ts';
import type { CreateTopicsRequest, CreateTopicsResponse, FindCoordinatorResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse, OffsetCommitRequest, OffsetCommitResponse, ProduceRequest, ProduceResponse, ProduceResult, Request, RequestOf, RequestType, ResponseOf, TopicMetadata } from '../protocol/index.ts';

/** How long a metadata request waits for a topic it asked the controller to create. */
const AUTO_CREATE_WAIT_MS = 5_000;
/** How long a commit waits for the in-sync replicas of its offsets partition: Kafka's offsets.commit.timeout.ms. */
const OFFSET_COMMIT_TIMEOUT_MS = 5_000;

export interface KafkaApisOptions {
  /** This broker's id. */
  id: number;
  /** The partitions this broker holds, and all that is done to their records (replica-manager.ts). */
  replicaManager: ReplicaManager;
  /** Runs the consumer groups: joins, rebalances, heartbeats, commits (group-coordinator.ts). */
  coordinator: GroupCoordinator;
  /** The connection to the controller, for the topic creations this broker forwards. */
  controller: () => Connection;
  /** Resolves when the metadata log brings news, or after `waitMs` (metadata-loader.ts). */
  nextMetadataUpdate: (waitMs: number) => Promise<void>;
  /** Partitions of __consumer_offsets: as created, or as this broker would create it. */
  offsetsPartitions: () => number;
  /** The copies this broker asks __consumer_offsets for; undefined leaves it to the controller. */
  offsetsTopicReplicationFactor: () => number | undefined;
  /** What a topic created on first use gets: Kafka's `num.partitions`, `default.replication.factor`. */
  numPartitions: number;
  defaultReplicationFactor: number;
}

export class KafkaApis {
  private readonly id: number;
  private readonly replicaManager: ReplicaManager;
  private readonly coordinator: GroupCoordinator;
  private readonly options: KafkaApisOptions;

  constructor(options: KafkaApisOptions) {
    this.id = options.id;
    this.replicaManager = options.replicaManager;
    this.coordinator = options.coordinator;
    this.options = options;
  }

  /** Each request type's handler. The types hold each to its own request and response. */
  private readonly handlers: { [K in RequestType]?: (request: RequestOf<K>, clientGone: AbortSignal) => ResponseOf<K> | null | Promise<ResponseOf<K> | null> } = {
    produce: (request, clientGone) => this.handleProduce(request, clientGone),
    metadata: (request) => this.handleMetadata(request),
    createTopics: (request) => this.handleCreateTopics(request),
    listOffsets: (request) => this.handleListOffsets(request),
    fetch: (request, clientGone) => this.replicaManager.fetch(request, clientGone),
    findCoordinator: (request) => this.handleFindCoordinator(request.key),
    joinGroup: (request) => this.coordinating(request.groupId) && this.coordinator.join(request),
    syncGroup: (request) => this.coordinating(request.groupId) && this.coordinator.sync(request),
    heartbeat: (request) => this.coordinating(request.groupId) && this.coordinator.heartbeat(request),
    leaveGroup: (request) => this.coordinating(request.groupId) && this.coordinator.leave(request),
    offsetCommit: (request, clientGone) => this.coordinating(request.groupId) && this.handleOffsetCommit(request, clientGone),
    offsetFetch: (request) => this.coordinating(request.groupId) && this.coordinator.fetchOffsets(request),
    listGroups: () => ({ groups: this.coordinator.list() }),
    describeGroups: (request) => ({ groups: request.groupIds.map((groupId) => this.coordinator.describeForClient(groupId)) }),
    offsetsForLeaderEpoch: (request) => this.replicaManager.offsetsForLeaderEpoch(request),
    describeReplicas: () => ({ brokerId: this.id, replicas: this.replicaManager.describeReplicas() }),
  };

  /** Routes a request to its handler by type; a request meant for the controller is refused with where to send it. */
  handle(request: Request, clientGone: AbortSignal): ResponseOf<RequestType> | null | Promise<ResponseOf<RequestType> | null> {
    const handler = this.handlers[request.type] as ((request: Request, clientGone: AbortSignal) => ResponseOf<RequestType> | null | Promise<ResponseOf<RequestType> | null>) | undefined;
    if (!handler) throw new KafkaError('INVALID_REQUEST', `a broker does not answer ${request.type} requests: they are the controller's`);
    // acks=0: the producer asked for no answer, and waits for none.
    if (request.type === 'produce' && request.acks === 0) return Promise.resolve(handler(request, clientGone)).then(() => null);
    return handler(request, clientGone);
  }

  /** Topic creation is the controller's: the broker passes the request on (Kafka forwards it the same way). */
  private async handleCreateTopics(request: CreateTopicsRequest): Promise<CreateTopicsResponse> {
    const refused = request.topics.filter(({ name }) => name === OFFSETS_TOPIC);
    const forwarded = request.topics.filter(({ name }) => name !== OFFSETS_TOPIC);
    //> step 09 rewrites: validate_only checks the topics and creates none
    const answer = forwarded.length > 0 ? await this.options.controller().request({ type: 'createTopics', topics: forwarded, ...(request.validateOnly ? { validateOnly: true } : {}) }) : { topics: [] };
    // The answer waits until this broker's metadata has the new topics, so a client can use them at once.
    if (!request.validateOnly) await this.waitForTopics(answer.topics.filter((topic) => !topic.error).map((topic) => topic.name));
    //<
    return {
      topics: [
        ...refused.map(({ name }) => ({ name, error: { code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal: the cluster creates it when a group first needs it` } })),
        ...answer.topics,
      ],
    };
  }

  /** Waits (a few seconds at most) until every topic named is in this broker's metadata. */
  private async waitForTopics(names: string[]): Promise<void> {
    const deadline = Date.now() + AUTO_CREATE_WAIT_MS;
    while (names.some((name) => !this.replicaManager.hasTopic(name)) && Date.now() < deadline) await this.options.nextMetadataUpdate(deadline - Date.now());
  }

  /** A topic's metadata, or why there is none. */
  private describeTopic(name: string): TopicMetadata {
    const topic = this.replicaManager.layoutOf(name);
    if (!topic) return { name, error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: `there is no topic "${name}"` }, partitions: [] };
    return {
      name,
      configs: topic.configs,
      partitions: topic.partitions.map(({ partition, leader, leaderEpoch, replicas, isr }) => ({ partition, leader, leaderEpoch, replicas, isr })),
    };
  }

  /** The live brokers, and each asked-for topic's partitions with their leader; a topic named for the first time is created (auto-creation). */
  private async handleMetadata(request: MetadataRequest): Promise<MetadataResponse> {
    const names = request.topics ?? this.replicaManager.topicNames();
    //> step 09 rewrites: the broker serves Kafka's binary protocol: clients may ask not to create topics, metadata names a controller, produced batches are stored as bytes
    // Metadata v4 lets a client ask not to create what it names (kafka-python's consumer does).
    const creates = request.allowAutoTopicCreation !== false;
    const missing = creates ? names.filter((name) => !this.replicaManager.hasTopic(name) && name !== OFFSETS_TOPIC) : [];
    if (missing.length > 0) {
      const { defaultReplicationFactor, numPartitions } = this.options;
      // A bad name is refused by the controller; the metadata answer then says so for that topic.
      const created = await this.options.controller().request({ type: 'createTopics', topics: missing.map((name) => ({ name, partitions: numPartitions, replicationFactor: defaultReplicationFactor })) });
      const refusals = new Map(created.topics.filter((topic) => topic.error && topic.error.code !== 'TOPIC_ALREADY_EXISTS').map((topic) => [topic.name, topic.error!]));
      // Only for the topics being created: a refused name will never appear, and must not hold the answer up.
      await this.waitForTopics(missing.filter((name) => !refusals.has(name)));
      const topics = names.map((name) => (refusals.has(name) ? { name, error: refusals.get(name)!, partitions: [] } : this.describeTopic(name)));
      return { brokers: this.liveBrokers(), controllerId: this.reportedControllerId(), topics };
    }
    return { brokers: this.liveBrokers(), controllerId: this.reportedControllerId(), topics: names.map((name) => this.describeTopic(name)) };
  }

  private liveBrokers(): MetadataResponse['brokers'] {
    return this.replicaManager.metadata.liveBrokers().map(({ id, host, port }) => ({ id, host, port }));
  }

  /**
   * The "controller" a Metadata response names. Clients cannot reach a KRaft controller, so Kafka
   * names a live broker instead (clients send it admin requests); here, the lowest live broker id.
   */
  private reportedControllerId(): number {
    return Math.min(...this.liveBrokers().map(({ id }) => id));
  }

  /** Appends each batch to its partition with the request's acks; acks=all waits for the in-sync replicas. */
  private async handleProduce(request: ProduceRequest, clientGone?: AbortSignal): Promise<ProduceResponse> {
    const appended = request.batches.map(({ topic, partition, records }): AppendedBatch => {
      const refused = (error: ProduceResult['error']) => ({ result: { topic, partition, baseOffset: -1, error }, endOffset: -1 });
      if (topic === OFFSETS_TOPIC) {
        // Only the coordinator writes commits there; a stray record could corrupt every group's offsets.
        return refused({ code: 'INVALID_TOPIC_EXCEPTION', message: `${OFFSETS_TOPIC} is internal and only the group coordinator writes to it; commit offsets with consumer.commit()` });
      }
      try {
        const { baseOffset, endOffset } = this.replicaManager.append(topic, partition, records, request.acks);
        return { result: { topic, partition, baseOffset }, endOffset };
        //<
      } catch (error) {
        return refused(errorBody(error));
      }
    });
    if (request.acks !== -1) return { results: appended.map(({ result }) => result) };
    return { results: await this.replicaManager.awaitInSyncReplicas(appended, request.timeoutMs, clientGone) };
  }

  /**
   * Stores a commit, and answers once every in-sync replica of the group's __consumer_offsets
   * partition has it, as Kafka does (its offsets.commit.required.acks is -1): a commit acknowledged
   * by a coordinator that dies the next moment is on the broker that takes the group over.
   */
  private async handleOffsetCommit(request: OffsetCommitRequest, clientGone: AbortSignal): Promise<OffsetCommitResponse> {
    const partition = partitionFor(request.groupId, this.options.offsetsPartitions());
    const offsetsPartition = this.replicaManager.partition(OFFSETS_TOPIC, partition)!; // coordinating() made sure this broker leads it
    // As a produce with acks=all, a commit is refused before it is written when too few replicas are in sync.
    if (request.offsets.length > 0 && !offsetsPartition.hasEnoughReplicas) {
      throw new KafkaError(
        'COORDINATOR_NOT_AVAILABLE',
        `${offsetsPartition.name} has ${offsetsPartition.isr.length} in-sync replica(s), fewer than min.insync.replicas (${offsetsPartition.minIsr}), so group "${request.groupId}"'s commit cannot be kept safely; commit again once a replica has caught up`,
      );
    }
    const answer = this.coordinator.commitOffsets(request);
    if (request.offsets.length === 0) return answer; // nothing was written, so there is nothing to wait for
    const [replicated] = await this.replicaManager.awaitInSyncReplicas([{ result: { topic: OFFSETS_TOPIC, partition, baseOffset: -1 }, endOffset: offsetsPartition.logEndOffset }], OFFSET_COMMIT_TIMEOUT_MS, clientGone);
    const error = replicated?.error;
    if (!error) return answer;
    // Kafka answers NOT_COORDINATOR when the leadership moved and COORDINATOR_NOT_AVAILABLE when the ISR
    // shrank; it passes a timeout on as REQUEST_TIMED_OUT, which its consumer handles as it does those two.
    // Here a timeout is COORDINATOR_NOT_AVAILABLE as well, so one rule in the consumer (retry on a
    // coordinator error) covers all three.
    const moved = error.code === 'NOT_LEADER_OR_FOLLOWER';
    throw new KafkaError(moved ? 'NOT_COORDINATOR' : 'COORDINATOR_NOT_AVAILABLE', `group "${request.groupId}"'s commit is not safely kept (${error.message}); ${moved ? 'find the coordinator again and ' : ''}commit again`);
  }

  /** Where each partition starts (earliest, -2) or a consumer's reading ends (latest, -1): Kafka's ListOffsets. */
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
   * A group's coordinator is the leader of its partition of __consumer_offsets, as in Kafka: it
   * moves with that leadership. The topic is created the first time a group looks for one, once
   * offsets.topic.replication.factor brokers are alive (KIP-115): until then, no coordinator.
   */
  private async handleFindCoordinator(groupId: string): Promise<FindCoordinatorResponse> {
    if (!this.replicaManager.hasTopic(OFFSETS_TOPIC)) {
      // Undefined: the controller's factor applies (see the broker's offsetsTopicReplicationFactor).
      const replicationFactor = this.options.offsetsTopicReplicationFactor();
      const { topics } = await this.options.controller().request({ type: 'createTopics', topics: [{ name: OFFSETS_TOPIC, partitions: this.options.offsetsPartitions(), ...(replicationFactor === undefined ? {} : { replicationFactor }) }] });
      const refused = topics[0]?.error;
      if (refused && refused.code !== 'TOPIC_ALREADY_EXISTS') throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `group "${groupId}" has no coordinator yet: ${refused.message}`);
      await this.waitForTopics([OFFSETS_TOPIC]);
    }
    const partition = partitionFor(groupId, this.options.offsetsPartitions());
    const leader = this.replicaManager.metadata.partition(OFFSETS_TOPIC, partition)?.leader ?? -1;
    const broker = this.replicaManager.metadata.brokers.get(leader);
    if (!broker || broker.fenced) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `${OFFSETS_TOPIC}-${partition}, where group "${groupId}" commits, has no leader right now; try again shortly`);
    return { nodeId: broker.id, host: broker.host, port: broker.port };
  }

  /** True when this broker coordinates the group (it leads the group's offsets partition); NOT_COORDINATOR otherwise. */
  private coordinating(groupId: string): true {
    const partition = partitionFor(groupId, this.options.offsetsPartitions());
    if (this.replicaManager.leaderLog(OFFSETS_TOPIC, partition)) return true;
    throw new KafkaError('NOT_COORDINATOR', `broker ${this.id} does not coordinate group "${groupId}" (it does not lead ${OFFSETS_TOPIC}-${partition}); find the coordinator again`);
  }
}
