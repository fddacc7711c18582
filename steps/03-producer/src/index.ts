// Step 03's public API.
export { murmur2, toPositive } from './murmur2.ts';
export { defaultPartitioner, partitionForKey, StickyPartitioner } from './partitioner.ts';
export type { Partitioner, PartitionerInput } from './partitioner.ts';
export { bytesSerializer, jsonSerializer, stringSerializer } from './serializers.ts';
export type { Serializer } from './serializers.ts';
export { DEFAULT_BATCH_SIZE, DEFAULT_LINGER_MS, ProducerBatch, RecordAccumulator, recordSize } from './record-accumulator.ts';
export type { RecordAccumulatorOptions, SendBatches, SerializedRecord } from './record-accumulator.ts';
export type { RecordMetadata } from './record-metadata.ts';
export { Broker } from './broker.ts';
export type { BrokerAddress, BrokerOptions } from './broker.ts';
export { KafkaProducer, SerializationError } from './producer.ts';
export type { ProducerOptions, ProducerRecord } from './producer.ts';
export { Partition } from './partition.ts';
export { KafkaError } from './errors.ts';
export { Connection } from './connection.ts';
