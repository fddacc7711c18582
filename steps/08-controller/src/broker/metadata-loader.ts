// How a broker learns the controller's decisions: it copies the metadata log, record by record,
// and hands each to the broker to apply (Kafka's MetadataLoader). A fetch waits at the controller
// until there is a new record (long polling), so a new leader is known everywhere within a round
// trip of its election.
import { Connection } from '../network/connection.ts';
import type { MetadataRecord } from '../metadata/metadata-image.ts';

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
        const { records } = await this.connection.request({ type: 'fetchMetadata', brokerId: this.options.brokerId, offset: this.offset, maxWaitMs: this.options.maxWaitMs });
        for (const { offset, record } of records) {
          if (offset < this.offset) continue;
          this.options.apply(record);
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
