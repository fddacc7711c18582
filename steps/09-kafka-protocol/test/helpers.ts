// What several test files share: a broker in this process whose log is kept, so that a request
// it could not answer (a TODO thrown while reading it, say) fails the test with that TODO rather
// than with "the connection closed".
import { expect } from 'vitest';
import { Broker, Connection, encodeBatch, type RequestBody, type RequestType, type ResponseOf } from '../src/index.ts';
import { todoOrBug, todoInLog } from '#lib/testing/broker-log.ts';

export interface LoggedBroker {
  broker: Broker;
  port: number;
  lines: string[];
  /** A request on a fresh connection; a failure carries the TODO or error the broker logged. */
  ask<K extends RequestType>(body: RequestBody<K>): Promise<ResponseOf<K>>;
}

export async function startLoggedBroker(dataDir: string, options: Record<string, unknown> = {}): Promise<LoggedBroker> {
  const lines: string[] = [];
  const broker = new Broker({ port: 0, dataDir, groupInitialRebalanceDelayMs: 0, log: (line) => lines.push(line), ...options });
  let port: number;
  try {
    // A stub thrown while the broker registers or loads its metadata is only logged, and the
    // broker would keep retrying: the first TODO in its log ends the start at once.
    ({ port } = await todoInLog(broker.start(), lines));
  } catch (error) {
    await broker.stop().catch(() => {});
    throw error;
  }
  const connection = new Connection('127.0.0.1', port);
  return {
    broker,
    port,
    lines,
    async ask(body) {
      try {
        return await connection.request(body);
      } catch (error) {
        throw todoOrBug(error as Error, lines);
      }
    },
  };
}

/** One record batch of string values, as a producer sends it. */
export function batchOf(values: string[], timestamp = 1_700_000_000_000): Buffer {
  return encodeBatch(0, values.map((value, i) => ({ key: null, value: Buffer.from(value), timestamp: timestamp + i, headers: [] })));
}

/**
 * The step's own broker first, in this process, through the step's own client: before a test
 * starts real clients against broker processes, a TODO left in the protocol or the log fails it as
 * itself rather than as a client that cannot connect.
 */
export async function selfCheck(dataDir: string): Promise<void> {
  const local = await startLoggedBroker(dataDir);
  try {
    await local.ask({ type: 'apiVersions' });
    await local.ask({ type: 'metadata', topics: ['self-check'] });
    const { results } = await local.ask({ type: 'produce', acks: 1, timeoutMs: 5_000, batches: [{ topic: 'self-check', partition: 0, records: batchOf(['a', 'b']) }] });
    expect(results[0]?.error, "the step's own producer request").toBeUndefined();
    const { partitions } = await local.ask({ type: 'fetch', replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1_000_000, partitions: [{ topic: 'self-check', partition: 0, offset: 0 }] });
    expect(partitions[0]?.records.length, "the step's own fetch should bring back the batch").toBeGreaterThan(0);
  } finally {
    await local.broker.stop();
  }
}

/** The recitation's values, {"number": n}, from `from` on, as the clients print them. */
export function numbers(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `{"number": ${from + i}}`);
}
