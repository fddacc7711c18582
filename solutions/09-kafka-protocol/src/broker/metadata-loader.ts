//> step 09 given
// How a broker learns the controller's decisions: it copies the metadata log with ordinary Fetch
// requests for `__cluster_metadata`, as KRaft brokers do, and hands each record to the broker to
// apply (Kafka's MetadataLoader). A fetch waits at the controller until there is a new record
// (long polling), so a new leader is known everywhere within a round trip of its election.
import { Connection } from '../network/connection.ts';
import { KafkaError } from '../common/errors.ts';
import type { MetadataRecord } from '../metadata/metadata-image.ts';
import { decodeBatches, recordsFrom } from '../record/record-batch.ts';

import { METADATA_TOPIC } from '../controller/controller.ts';
/** The most metadata bytes one fetch brings; a broker far behind catches up in a few round trips. */
const METADATA_FETCH_MAX_BYTES = 1024 * 1024;
//<

export interface MetadataLoaderOptions {
  brokerId: number;
  controller: { host: string; port: number };
  maxWaitMs: number;
  /** Applies one record; called in log order. */
  apply: (record: MetadataRecord) => void;
  log: (line: string) => void;
}

export class MetadataLoader {
  private readonly connection: Connection;
  /** The next metadata offset to fetch: every record before it has been applied. */
  private offset = 0;
  private stopped = false;
  private waiters: Array<() => void> = [];
  private lastProblem = '';

  constructor(private readonly options: MetadataLoaderOptions) {
    this.connection = new Connection(options.controller.host, options.controller.port);
  }

  /** Starts the fetch loop; it runs until stop(). */
  start(): void {
    void this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        //> step 09 rewrites: brokers copy the metadata log with Kafka's Fetch, as KRaft brokers do
        const { partitions } = await this.connection.request({
          type: 'fetch',
          replicaId: this.options.brokerId,
          maxWaitMs: this.options.maxWaitMs,
          minBytes: 1,
          maxBytes: METADATA_FETCH_MAX_BYTES,
          partitions: [{ topic: METADATA_TOPIC, partition: 0, offset: this.offset }],
        });
        const [fetched] = partitions;
        if (fetched?.error) throw new KafkaError(fetched.error.code, fetched.error.message);
        // Whole batches come back, from the one holding this.offset: skip what was applied already.
        for (const { offset, value } of recordsFrom(decodeBatches(fetched?.records ?? Buffer.alloc(0)), this.offset)) {
          this.options.apply(JSON.parse(value!.toString('utf8')) as MetadataRecord);
        //<
          this.offset = offset + 1;
        }
        this.lastProblem = '';
        for (const wake of this.waiters.splice(0)) wake();
      } catch (error) {
        if (this.stopped) break;
        const message = `Could not fetch metadata from the controller: ${(error as Error).message}; retrying`;
        if (message !== this.lastProblem) this.options.log(message);
        this.lastProblem = message;
        await new Promise((resolve) => setTimeout(resolve, this.options.maxWaitMs));
      }
    }
  }

  /** Resolves after the next fetch has been applied, or after `ms` (for a handler waiting for news). */
  nextUpdate(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.waiters.splice(0)) wake();
    await this.connection.close();
  }
}
