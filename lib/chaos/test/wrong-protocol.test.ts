// A client of the other wire protocol gets words, not a hang: a broker of steps 02–08 (the
// workshop's JSON) told a request of Apache Kafka's binary protocol, and a step 09 broker told a
// JSON request, each answer in the client's own protocol and log why; and each step's Connection
// says which protocol the broker answered in and what to run instead.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs();

interface Served {
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}
interface StepModule {
  Broker: new (options: Record<string, unknown>) => Served;
  Connection: new (host: string, port: number) => { request(body: Record<string, unknown>): Promise<unknown>; close(): Promise<void> };
}

async function load(step: string): Promise<StepModule> {
  return (await import(pathToFileURL(path.join(SOLUTIONS_DIR, step, 'src', 'index.ts')).href)) as StepModule;
}

async function broker(api: StepModule, lines: string[]): Promise<number> {
  const served = cleanup(new api.Broker({ port: 0, dataDir: tempDir(), log: (line: string) => lines.push(line) }));
  const { port } = await served.start();
  return port;
}

test("a JSON broker (step 08) answers a request in Kafka's binary protocol with why, and a step 09 client says so", async () => {
  const json = await load('08-controller');
  const kafka = await load('09-kafka-protocol');
  const lines: string[] = [];
  const port = await broker(json, lines);
  const connection = cleanup(new kafka.Connection('127.0.0.1', port));
  await expect(connection.request({ type: 'metadata', topics: [] })).rejects.toThrow(/answered in the workshop's JSON protocol of steps 02 to 08.*--step NN/);
  expect(lines.join('\n')).toMatch(/looks like Apache Kafka's binary protocol \(\w+ v\d+\).*use a step 09 broker/);
});

test('a step 09 broker answers a JSON request in JSON with why, and a step 08 client says so', async () => {
  const json = await load('08-controller');
  const kafka = await load('09-kafka-protocol');
  const lines: string[] = [];
  const port = await broker(kafka, lines);
  const connection = cleanup(new json.Connection('127.0.0.1', port));
  await expect(connection.request({ type: 'metadata', topics: [] })).rejects.toThrow(/speaks Apache Kafka's binary protocol \(step 09\).*--step 09/);
  expect(lines.join('\n')).toMatch(/request in the workshop's JSON protocol of steps 02 to 08/);
});
