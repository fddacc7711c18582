// This step's public API: what its tests, its demo and the workshop's commands import.
export { Broker } from './broker/broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker/broker.ts';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameTooLargeError, LENGTH_BYTES, encodeFrame } from './network/frame.ts';
export { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
export type { ErrorBody, FetchedPartition, FetchPartition, FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse, WireRecordWithOffset } from './protocol/index.ts';
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './protocol/index.ts';
export type { Api, MetadataRequest, MetadataResponse, PartitionMetadata, ProduceRequest, ProduceResponse, ProduceResult, Reply, ReplyHeader, Request, RequestBody, RequestOf, RequestType, ResponseOf, TopicMetadata, WireBatch, WireRecord } from './protocol/index.ts';
export { Cluster } from './client/cluster.ts';
//> step 08 given
export type { PartitionLeader } from './client/cluster.ts';
export { Connection, ConnectionError, parseHostPort } from './network/connection.ts';
export { COORDINATOR_ERRORS, RETRIABLE_ERRORS, RETRY_DEFAULTS, gaveUp, isCoordinatorLost, isRetriable, isRetriableCode, withRetries } from './client/retry.ts';
//<
export { KafkaError } from './common/errors.ts';
export { KafkaProducer, SerializationError } from './client/producer.ts';
export type { ProducerOptions, ProducerRecord } from './client/producer.ts';
export { murmur2, toPositive } from './client/murmur2.ts';
export { StickyPartitioner, defaultPartitioner, partitionForKey } from './client/partitioner.ts';
export type { Partitioner, PartitionerInput } from './client/partitioner.ts';
export { bytesSerializer, jsonSerializer, stringSerializer } from './client/serializers.ts';
export type { Serializer } from './client/serializers.ts';
export { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS, ProducerBatch, RecordAccumulator, recordSize } from './client/record-accumulator.ts';
export type { RecordAccumulatorOptions, SendBatches, SerializedRecord } from './client/record-accumulator.ts';
export type { RecordMetadata } from './client/record-metadata.ts';
export { KafkaAdmin } from './client/admin.ts';
export type { AdminOptions, NewTopicOptions } from './client/admin.ts';
export type { CreateTopicsRequest, CreateTopicsResponse } from './protocol/index.ts';
export { crc32c } from './record/crc32c.ts';
export { BATCH_HEADER_SIZE, CorruptRecordError, LOG_OVERHEAD, batchSize, decodeBatch, encodeBatch, nextOffsetAfter, readBatchAt, readBatchHeader, recordsFrom } from './record/record-batch.ts';
export type { BatchAt, BatchHeader, LogRecord, RecordBatch, RecordHeader, RecordWithOffset } from './record/record-batch.ts';
export { OffsetIndex } from './storage/offset-index.ts';
export { LogSegment, segmentFileName } from './storage/log-segment.ts';
export { LOG_DEFAULTS, Log, OffsetOutOfRangeError } from './storage/log.ts';
export type { LogOptions } from './storage/log.ts';
//> step 08 given
export { LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './storage/leader-epoch-cache.ts';
export type { EpochEndOffset, EpochEntry } from './storage/leader-epoch-cache.ts';
export type { EpochEndOffsetResult, OffsetsForLeaderEpochPartition, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from './protocol/index.ts';
//<
export { InvalidTopicError, MAX_TOPIC_NAME_LENGTH, validateTopicName } from './common/topic-name.ts';
export { CONSUMER_DEFAULTS, DeserializationError, KafkaConsumer } from './client/consumer.ts';
export type { ConsumerOptions, ConsumerRecord } from './client/consumer.ts';
export type { TopicPartition } from './common/topic-partition.ts';
export { bytesDeserializer, jsonDeserializer, stringDeserializer } from './client/deserializers.ts';
export type { Deserializer } from './client/deserializers.ts';
export { FetchPurgatory } from './network/delayed-fetch.ts';
export { FetchBuffer } from './client/fetch-buffer.ts';
export type { WakeReason } from './network/delayed-fetch.ts';
export { UsageError, kcat, parseArgs } from './client/kcat.ts';
export type { KcatArgs, KcatIo } from './client/kcat.ts';
export { GROUP_DEFAULTS, GroupCoordinator } from './broker/group-coordinator.ts';
export type { GroupCoordinatorOptions, GroupDescription } from './broker/group-coordinator.ts';
export { GroupMetadata } from './broker/group-metadata.ts';
export type { GroupState, MemberMetadata } from './broker/group-metadata.ts';
export { ConsumerOffsets, DEFAULT_OFFSETS_TOPIC_PARTITIONS, javaStringHashCode, partitionFor } from './broker/consumer-offsets.ts';
export type { CommittedOffset } from './broker/consumer-offsets.ts';
export { OFFSETS_TOPIC } from './common/topic-name.ts';
export { CommitFailedError, ConsumerCoordinator } from './client/consumer-coordinator.ts';
export type { GroupMembershipOptions, RebalanceListener } from './client/consumer-coordinator.ts';
export { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './client/consumer-protocol.ts';
export type { MemberAssignment, Subscription } from './client/consumer-protocol.ts';
export { emptyAssignment, sortedMembers } from './client/partition-assignor.ts';
export type { Assignment, PartitionAssignor, Subscriptions } from './client/partition-assignor.ts';
export { rangeAssignor } from './client/range-assignor.ts';
export { roundRobinAssignor } from './client/round-robin-assignor.ts';
export type { CommittedPartition, FindCoordinatorRequest, FindCoordinatorResponse, GroupProtocol, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse } from './protocol/index.ts';
export type { DescribedGroup, DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse } from './protocol/index.ts';
export { assignReplicas } from './metadata/replica-assignment.ts';
export { Partition } from './broker/partition.ts';
export type { FollowerState, PartitionOptions } from './broker/partition.ts';
export { ReplicaFetcher } from './broker/replica-fetcher.ts';
export type { ReplicaFetcherOptions } from './broker/replica-fetcher.ts';
export { HighWatermarkCheckpoint } from './storage/high-watermark-checkpoint.ts';
//> step 08 given
export { Controller, METADATA_TOPIC } from './controller/controller.ts';
export type { ControllerOptions } from './controller/controller.ts';
export { MetadataImage } from './metadata/metadata-image.ts';
export type { BrokerRegistration, MetadataRecord, PartitionState, TopicState } from './metadata/metadata-image.ts';
export { electLeader, preferredLeaderChange, whenBrokerFenced, whenBrokerUnfenced, withIsr } from './controller/partition-change.ts';
export { SocketServer } from './network/socket-server.ts';
//<
export { ReplicaManager } from './broker/replica-manager.ts';
//> step 08 given
export type { AppendedBatch } from './broker/replica-manager.ts';
export type { NewTopic } from './protocol/index.ts';
//<
export type { DescribeReplicasRequest, DescribeReplicasResponse, ReplicaState } from './protocol/index.ts';
