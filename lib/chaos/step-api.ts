// The part of a step's public API a chaos run uses, loaded from the step's src/index.ts. Step 08
// and step 09 export the same names with the same shapes (09 speaks Kafka's binary protocol
// underneath), so one run works on either, and on a student's copy of either.
import path from 'node:path';
import { importStepApi } from '../step-api.ts';

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  leaderEpoch?: number;
}

export interface MetadataAnswer {
  topics: Array<{ name: string; error?: { code: string; message: string }; partitions: PartitionInfo[] }>;
}

export interface ConnectionLike {
  request(body: { type: 'metadata'; topics?: string[] }): Promise<MetadataAnswer>;
  request(body: { type: 'listOffsets'; partitions: Array<{ topic: string; partition: number; timestamp: number }> }): Promise<{
    partitions: Array<{ topic: string; partition: number; offset: number; error?: { code: string; message: string } }>;
  }>;
  close(): Promise<void>;
}

export interface ProducerLike {
  send(topic: string, record: { value: string; partition: number }): Promise<{ partition: number; offset: number }>;
  close(): Promise<void>;
}

export interface ConsumerRecordLike {
  partition: number;
  offset: number;
  value: string | null;
}

export interface ConsumerLike extends AsyncIterable<ConsumerRecordLike> {
  close(): Promise<void>;
}

export interface LogLike {
  readRecords(offset?: number): Array<{ offset: number; value: Buffer | null }>;
  close(): void;
}

export interface StepApi {
  KafkaProducer: new (options: Record<string, unknown>) => ProducerLike;
  KafkaConsumer: new (topics: string, options: Record<string, unknown>) => ConsumerLike;
  KafkaAdmin: new (options: { bootstrapServers: string[] }) => {
    createTopic(name: string, options: { partitions: number; replicationFactor: number; configs?: Record<string, string> }): Promise<void>;
    close(): Promise<void>;
  };
  Connection: new (host: string, port: number) => ConnectionLike;
  Log: { open(dataDir: string, topic: string, partition: number, options?: Record<string, unknown>): LogLike };
  Controller: unknown;
  LATEST_TIMESTAMP: number;
  stringSerializer: (value: string | null) => Buffer | null;
  stringDeserializer: (data: Buffer | null) => string | null;
}

const NEEDED = ['KafkaProducer', 'KafkaConsumer', 'KafkaAdmin', 'Connection', 'Log', 'Controller', 'LATEST_TIMESTAMP', 'stringSerializer', 'stringDeserializer'] as const;

/** Imports `srcDir/index.ts`; the error says what is missing, for a student's copy that is not there yet. */
export function loadStepApi(srcDir: string): Promise<StepApi> {
  return importStepApi<StepApi>(path.join(srcDir, 'index.ts'), NEEDED, 'a chaos run needs a controller, replication and retrying clients (step 08 or later)');
}
