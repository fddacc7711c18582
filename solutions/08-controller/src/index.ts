// Step 06's public API.
export { Broker } from './broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker.ts';
export { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameTooLargeError, LENGTH_BYTES, encodeFrame } from './frame.ts';
export { InvalidRequestError, encodeMessage, errorResponse, parseRequest } from './protocol/index.ts';
export type { ErrorBody, FetchedPartition, FetchPartition, FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse, WireRecordWithOffset } from './protocol/index.ts';
export { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './protocol/index.ts';
export type { Api, MetadataRequest, MetadataResponse, PartitionMetadata, ProduceRequest, ProduceResponse, ProduceResult, Reply, ReplyHeader, Request, RequestBody, RequestOf, RequestType, ResponseOf, TopicMetadata, WireBatch, WireRecord } from './protocol/index.ts';
export { Cluster } from './cluster.ts';
//> step 08 given
export type { PartitionLeader } from './cluster.ts';
export { Connection, ConnectionError, parseHostPort } from './connection.ts';
export { COORDINATOR_ERRORS, RETRIABLE_ERRORS, RETRY_DEFAULTS, gaveUp, isCoordinatorLost, isRetriable, isRetriableCode, withRetries } from './retry.ts';
//<
export { KafkaError } from './errors.ts';
export { KafkaProducer, SerializationError } from './producer.ts';
export type { ProducerOptions, ProducerRecord } from './producer.ts';
export { murmur2, toPositive } from './murmur2.ts';
export { StickyPartitioner, defaultPartitioner, partitionForKey } from './partitioner.ts';
export type { Partitioner, PartitionerInput } from './partitioner.ts';
export { bytesSerializer, jsonSerializer, stringSerializer } from './serializers.ts';
export type { Serializer } from './serializers.ts';
export { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS, ProducerBatch, RecordAccumulator, recordSize } from './record-accumulator.ts';
export type { RecordAccumulatorOptions, SendBatches, SerializedRecord } from './record-accumulator.ts';
export type { RecordMetadata } from './record-metadata.ts';
export { KafkaAdmin } from './admin.ts';
export type { AdminOptions, NewTopicOptions } from './admin.ts';
export type { CreateTopicsRequest, CreateTopicsResponse } from './protocol/index.ts';
export { crc32c } from './crc32c.ts';
export { BATCH_HEADER_SIZE, CorruptRecordError, LOG_OVERHEAD, batchSize, decodeBatch, encodeBatch, nextOffsetAfter, readBatchAt, readBatchHeader, recordsFrom } from './record-batch.ts';
export type { BatchAt, BatchHeader, LogRecord, RecordBatch, RecordHeader, RecordWithOffset } from './record-batch.ts';
export { OffsetIndex } from './offset-index.ts';
export { LogSegment, segmentFileName } from './log-segment.ts';
export { LOG_DEFAULTS, Log, OffsetOutOfRangeError } from './log.ts';
export type { LogOptions } from './log.ts';
//> step 08 given
export { LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.ts';
export type { EpochEndOffset, EpochEntry } from './leader-epoch-cache.ts';
export type { EpochEndOffsetResult, OffsetsForLeaderEpochPartition, OffsetsForLeaderEpochRequest, OffsetsForLeaderEpochResponse } from './protocol/index.ts';
//<
export { InvalidTopicError, MAX_TOPIC_NAME_LENGTH, validateTopicName } from './topic-name.ts';
export { CONSUMER_DEFAULTS, DeserializationError, KafkaConsumer } from './consumer.ts';
export type { ConsumerOptions, ConsumerRecord, TopicPartition } from './consumer.ts';
export { bytesDeserializer, jsonDeserializer, stringDeserializer } from './deserializers.ts';
export type { Deserializer } from './deserializers.ts';
export { FetchPurgatory } from './delayed-fetch.ts';
export { FetchBuffer } from './fetch-buffer.ts';
export type { WakeReason } from './delayed-fetch.ts';
export { UsageError, kcat, parseArgs } from './kcat.ts';
export type { KcatArgs, KcatIo } from './kcat.ts';
export { GROUP_DEFAULTS, GroupCoordinator } from './group-coordinator.ts';
export type { GroupCoordinatorOptions, GroupDescription } from './group-coordinator.ts';
export { GroupMetadata } from './group-metadata.ts';
export type { GroupState, MemberMetadata } from './group-metadata.ts';
export { ConsumerOffsets, DEFAULT_OFFSETS_TOPIC_PARTITIONS, OFFSETS_TOPIC, javaStringHashCode, partitionFor } from './consumer-offsets.ts';
export type { CommittedOffset } from './consumer-offsets.ts';
export { CommitFailedError, ConsumerCoordinator } from './consumer-coordinator.ts';
export type { GroupMembershipOptions, RebalanceListener } from './consumer-coordinator.ts';
export { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.ts';
export type { MemberAssignment, Subscription } from './consumer-protocol.ts';
export { emptyAssignment, sortedMembers } from './partition-assignor.ts';
export type { Assignment, PartitionAssignor, Subscriptions } from './partition-assignor.ts';
export { rangeAssignor } from './range-assignor.ts';
export { roundRobinAssignor } from './round-robin-assignor.ts';
export type { CommittedPartition, FindCoordinatorRequest, FindCoordinatorResponse, GroupProtocol, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse } from './protocol/index.ts';
export type { DescribedGroup, DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse } from './protocol/index.ts';
export { assignReplicas } from './replica-assignment.ts';
export { Partition } from './partition.ts';
export type { FollowerState, PartitionOptions } from './partition.ts';
export { ReplicaFetcher } from './replica-fetcher.ts';
export type { ReplicaFetcherOptions } from './replica-fetcher.ts';
export { HighWatermarkCheckpoint } from './high-watermark-checkpoint.ts';
//> step 08 given
export { Controller, METADATA_TOPIC } from './controller.ts';
export type { ControllerOptions } from './controller.ts';
export { MetadataImage } from './metadata-image.ts';
export type { BrokerRegistration, MetadataRecord, PartitionState, TopicState } from './metadata-image.ts';
export { electLeader, preferredLeaderChange, whenBrokerFenced, whenBrokerUnfenced, withIsr } from './partition-change.ts';
export { SocketServer } from './socket-server.ts';
//<
export { ReplicaManager } from './replica-manager.ts';
//> step 08 given
export type { AppendedBatch } from './replica-manager.ts';
export type { NewTopic } from './protocol/index.ts';
//<
export type { DescribeReplicasRequest, DescribeReplicasResponse, ReplicaState } from './protocol/index.ts';
