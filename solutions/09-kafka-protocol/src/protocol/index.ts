//> step 09 rewrites: the registry holds each request's binary codec, by Kafka's api key
// The requests brokers and clients exchange, in Apache Kafka's binary protocol. Each request type
// has a module of its own in this folder: its request and response types, and its codec (api
// key, versions, each version's schema, and the mapping between Kafka's wire shape and the shape
// the code works with). This registry gathers them, typed over their names, so that a client
// cannot send a request with a wrong field and a broker cannot answer one with the wrong response.
// (types.ts is how Kafka lays values out; envelope.ts what comes before every message.)
import type { ApiCodec, Failed } from './api.ts';
import { apiVersionsApi, type ApiVersionsRequest, type ApiVersionsResponse } from './api-versions.ts';
import { produceApi, type ProduceRequest, type ProduceResponse } from './produce.ts';
import { metadataApi, type MetadataRequest, type MetadataResponse } from './metadata.ts';
import { createTopicsApi, type CreateTopicsRequest, type CreateTopicsResponse } from './create-topics.ts';
import { fetchApi, type FetchRequest, type FetchResponse } from './fetch.ts';
import { listOffsetsApi, type ListOffsetsRequest, type ListOffsetsResponse } from './list-offsets.ts';
import { findCoordinatorApi, type FindCoordinatorRequest, type FindCoordinatorResponse } from './find-coordinator.ts';
import { joinGroupApi, type JoinGroupRequest, type JoinGroupResponse } from './join-group.ts';
import { syncGroupApi, type SyncGroupRequest, type SyncGroupResponse } from './sync-group.ts';
import { heartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from './heartbeat.ts';
import { leaveGroupApi, type LeaveGroupRequest, type LeaveGroupResponse } from './leave-group.ts';
import { offsetCommitApi, type OffsetCommitRequest, type OffsetCommitResponse } from './offset-commit.ts';
import { offsetFetchApi, type OffsetFetchRequest, type OffsetFetchResponse } from './offset-fetch.ts';
import { brokerRegistrationApi, type BrokerRegistrationRequest, type BrokerRegistrationResponse } from './broker-registration.ts';
import { brokerHeartbeatApi, type BrokerHeartbeatRequest, type BrokerHeartbeatResponse } from './broker-heartbeat.ts';
import { alterPartitionApi, type AlterPartitionRequest, type AlterPartitionResponse } from './alter-partition.ts';
import { offsetsForLeaderEpochApi, type OffsetsForLeaderEpochRequest, type OffsetsForLeaderEpochResponse } from './offsets-for-leader-epoch.ts';
import { listGroupsApi, type ListGroupsRequest, type ListGroupsResponse } from './list-groups.ts';
import { describeGroupsApi, type DescribeGroupsRequest, type DescribeGroupsResponse } from './describe-groups.ts';
import { describeReplicasApi, type DescribeReplicasRequest, type DescribeReplicasResponse } from './describe-replicas.ts';

export * from './envelope.ts';
export { errorCode, errorFromCode } from './errors.ts';
export { InvalidRequestError } from './types.ts';
export { INT32_MAX } from './types.ts';
export { isFailed, type ApiCodec, type Failed } from './api.ts';
export type { ApiVersionRange, ApiVersionsRequest, ApiVersionsResponse } from './api-versions.ts';
export type { ProduceRequest, ProduceResponse, ProduceResult, WireBatch } from './produce.ts';
export type { MetadataRequest, MetadataResponse, PartitionMetadata, TopicMetadata } from './metadata.ts';
export type { CreateTopicsRequest, CreateTopicsResponse, NewTopic } from './create-topics.ts';
export type { FetchedPartition, FetchPartition, FetchRequest, FetchResponse } from './fetch.ts';
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type ListOffsetsRequest, type ListOffsetsResponse } from './list-offsets.ts';
export type { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.ts';
export type { JoinGroupRequest, JoinGroupResponse, GroupProtocol } from './join-group.ts';
export type { SyncGroupRequest, SyncGroupResponse } from './sync-group.ts';
export type { HeartbeatRequest, HeartbeatResponse } from './heartbeat.ts';
export type { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.ts';
export type { OffsetCommitRequest, OffsetCommitResponse, CommittedPartition } from './offset-commit.ts';
export type { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.ts';
export type { BrokerRegistrationRequest, BrokerRegistrationResponse } from './broker-registration.ts';
export type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from './broker-heartbeat.ts';
export type { AlterPartitionRequest, AlterPartitionResponse } from './alter-partition.ts';
export type { EpochEndOffsetResult, OffsetsForLeaderEpochPartition, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from './offsets-for-leader-epoch.ts';
export type { ListGroupsRequest, ListGroupsResponse } from './list-groups.ts';
export type { DescribedGroup, DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.ts';
export type { DescribeReplicasRequest, DescribeReplicasResponse, ReplicaState } from './describe-replicas.ts';

/** Every request type: its request and the response a broker answers it with. */
export interface Api {
  apiVersions: { request: ApiVersionsRequest; response: ApiVersionsResponse };
  produce: { request: ProduceRequest; response: ProduceResponse };
  metadata: { request: MetadataRequest; response: MetadataResponse };
  createTopics: { request: CreateTopicsRequest; response: CreateTopicsResponse };
  listOffsets: { request: ListOffsetsRequest; response: ListOffsetsResponse };
  fetch: { request: FetchRequest; response: FetchResponse };
  findCoordinator: { request: FindCoordinatorRequest; response: FindCoordinatorResponse };
  joinGroup: { request: JoinGroupRequest; response: JoinGroupResponse };
  syncGroup: { request: SyncGroupRequest; response: SyncGroupResponse };
  heartbeat: { request: HeartbeatRequest; response: HeartbeatResponse };
  leaveGroup: { request: LeaveGroupRequest; response: LeaveGroupResponse };
  offsetCommit: { request: OffsetCommitRequest; response: OffsetCommitResponse };
  offsetFetch: { request: OffsetFetchRequest; response: OffsetFetchResponse };
  listGroups: { request: ListGroupsRequest; response: ListGroupsResponse };
  describeGroups: { request: DescribeGroupsRequest; response: DescribeGroupsResponse };
  brokerRegistration: { request: BrokerRegistrationRequest; response: BrokerRegistrationResponse };
  brokerHeartbeat: { request: BrokerHeartbeatRequest; response: BrokerHeartbeatResponse };
  alterPartition: { request: AlterPartitionRequest; response: AlterPartitionResponse };
  offsetsForLeaderEpoch: { request: OffsetsForLeaderEpochRequest; response: OffsetsForLeaderEpochResponse };
  describeReplicas: { request: DescribeReplicasRequest; response: DescribeReplicasResponse };
}

export type RequestType = keyof Api;
export type RequestOf<K extends RequestType> = Api[K]['request'];
export type ResponseOf<K extends RequestType> = Api[K]['response'];
/** Any request, as the broker receives it. */
export type Request = RequestOf<RequestType>;
/** What a client hands to Connection.request: the request without the correlationId the connection adds. */
export type RequestBody<K extends RequestType> = Omit<RequestOf<K>, 'correlationId'> & { type: K };

/** The codec of one request type. The wire shapes are each module's own business, hence `any` here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CodecOf<K extends RequestType> = ApiCodec<RequestBody<K>, ResponseOf<K>, any, any>;

/** Every request type's codec, by the name the code uses. */
export const APIS: { [K in RequestType]: CodecOf<K> } = {
  apiVersions: apiVersionsApi,
  produce: produceApi,
  metadata: metadataApi,
  createTopics: createTopicsApi,
  listOffsets: listOffsetsApi,
  fetch: fetchApi,
  findCoordinator: findCoordinatorApi,
  joinGroup: joinGroupApi,
  syncGroup: syncGroupApi,
  heartbeat: heartbeatApi,
  leaveGroup: leaveGroupApi,
  offsetCommit: offsetCommitApi,
  offsetFetch: offsetFetchApi,
  brokerRegistration: brokerRegistrationApi,
  brokerHeartbeat: brokerHeartbeatApi,
  alterPartition: alterPartitionApi,
  offsetsForLeaderEpoch: offsetsForLeaderEpochApi,
  listGroups: listGroupsApi,
  describeGroups: describeGroupsApi,
  describeReplicas: describeReplicasApi,
};

/** The request type an api key stands for, or undefined for an api this workshop does not speak. */
export function requestTypeOf(apiKey: number): RequestType | undefined {
  return (Object.keys(APIS) as RequestType[]).find((type) => APIS[type].key === apiKey);
}

/** A response, or the error that refused the whole request. */
export type Reply<K extends RequestType> = ResponseOf<K> | Failed;
//<
