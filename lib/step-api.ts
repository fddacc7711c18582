// A step's public API, imported from its src/index.ts by a command that runs the step's code (the
// benchmark, the chaos run, the dashboard). A student's copy that does not export something yet
// gets a sentence naming what is missing, not a TypeError in the middle of a run.
//
// StepApi says, structurally, what lib uses of it: lib never imports a step's src by its path (a
// student edits it), so it describes the shapes it relies on here, once, and each command picks
// the part it needs (Pick<StepApi, …>). lib/test/step-api.test.ts checks that the newest
// reference solution fits them.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './output.ts';

/**
 * Imports `indexFile` and checks that it exports every name in `needs`. `why` finishes the
 * sentence of the error, e.g. "a chaos run needs a controller and retrying clients (step 08 or later)".
 */
export async function importStepApi<Api>(indexFile: string, needs: readonly string[], why: string): Promise<Api> {
  const shown = path.relative(process.cwd(), indexFile) || indexFile;
  if (!fs.existsSync(indexFile)) throw new UserError(`${shown} does not exist: ${why}.`);
  const api = (await import(pathToFileURL(indexFile).href)) as Record<string, unknown>;
  const missing = needs.filter((name) => api[name] === undefined);
  if (missing.length > 0) throw new UserError(`${shown} exports no ${missing.join(', ')}: ${why}.`);
  return api as Api;
}

/** A partition as a metadata answer describes it. */
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

/** The step's Connection: one request at a time, answered in order. */
export interface StepConnection {
  request(body: { type: 'metadata'; topics?: string[] }): Promise<MetadataAnswer>;
  request(body: { type: 'listOffsets'; partitions: Array<{ topic: string; partition: number; timestamp: number }> }): Promise<{
    partitions: Array<{ topic: string; partition: number; offset: number; error?: { code: string; message: string } }>;
  }>;
  /** Any other request, its answer unchecked (the dashboard reads what it knows of it). */
  request(body: { type: string; [field: string]: unknown }): Promise<unknown>;
  close(): Promise<void>;
}

/** A producer whose records' values are of type V (what its valueSerializer takes; bytes by default). */
export interface StepProducer<V> {
  send(topic: string, record: { value: V; partition?: number }): Promise<{ partition: number; offset: number }>;
  close(): Promise<void>;
}

/** A consumer handing out records whose values are of type V (what its valueDeserializer gives). */
export interface StepConsumer<V> extends AsyncIterable<{ partition: number; offset: number; value: V }> {
  close(): Promise<void>;
}

export interface StepAdmin {
  createTopic(name: string, options: { partitions: number; replicationFactor: number; configs?: Record<string, string> }): Promise<void>;
  close(): Promise<void>;
}

/** A partition's log on disk, opened on its own (the chaos run reads a copy of each replica's). */
export interface StepLog {
  readRecords(offset?: number): Array<{ offset: number; value: Buffer | null }>;
  close(): void;
}

/** A client's options: where the cluster is, and whatever else the command sets (acks, serializers, …). */
export interface ClientOptions {
  bootstrapServers: string[];
  [option: string]: unknown;
}

export interface StepApi {
  KafkaProducer: new <V = Buffer | null>(options: ClientOptions) => StepProducer<V>;
  KafkaConsumer: new <V = Buffer | null>(topics: string, options: ClientOptions) => StepConsumer<V>;
  KafkaAdmin: new (options: { bootstrapServers: string[] }) => StepAdmin;
  Connection: new (host: string, port: number) => StepConnection;
  Log: { open(dataDir: string, topic: string, partition: number, options?: Record<string, unknown>): StepLog };
  Controller: unknown;
  LATEST_TIMESTAMP: number;
  stringSerializer: (value: string | null, topic: string) => Buffer | null;
  stringDeserializer: (data: Buffer | null, topic: string) => string | null;
  /** Reads a group member's assignment (step 06 on). */
  decodeAssignment?: (bytes: never) => { partitions: Array<{ topic: string; partition: number }> };
}
