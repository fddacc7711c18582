// `npm run broker` (lib/cli/commands/broker.ts): its flags, and one broker process of step 06 that
// starts on port 0, says where it listens, refuses a taken port and stops cleanly on SIGTERM.
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BROKER_FLAGS, brokerOptions, parseBrokerFlags, parseCluster } from '../broker-flags.ts';
import { brokerCommand } from '../commands/broker.ts';
import { PORT_TAKEN_EXIT_CODE } from '../../ports.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { connect } from '../../testing/net.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { runCli, stopCli } from './run-cli.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs('kfs-broker-cli-');
/** A step whose Broker is finished and stays so; the command runs the newest step's by default. */
const STEP = '06';
const START_MS = 20_000;

describe('broker flags', () => {
  test("Kafka's names map to the Broker's options, as --flag value or --flag=value", () => {
    const { options } = parseBrokerFlags([
      '--id', '2', '--host', '0.0.0.0', '--port=9093', '--data-dir', '/d', '--min-insync-replicas', '2',
      '--replica-lag-time-max-ms', '500', '--default-replication-factor=3', '--num-partitions', '4',
    ]);
    expect(options).toEqual({ id: 2, host: '0.0.0.0', port: 9093, dataDir: '/d', minInsyncReplicas: 2, replicaLagTimeMaxMs: 500, defaultReplicationFactor: 3, numPartitions: 4 });
  });

  test('an unknown flag is refused with the list of known ones', () => {
    expect(() => parseBrokerFlags(['--min-isr', '2'])).toThrow(/Unknown flag --min-isr\. npm run broker knows: --id, .*--min-insync-replicas.*--step NN, --mine/);
    expect(() => parseBrokerFlags(['9092'])).toThrow(/Unexpected argument "9092"/);
    for (const flag of BROKER_FLAGS) expect(() => parseBrokerFlags([flag.flag, '1']), flag.flag).not.toThrow(/Unknown/);
  });

  test('numbers are checked, with the range in the message', () => {
    expect(() => parseBrokerFlags(['--port', '70000'])).toThrow('--port wants a whole number from 0 to 65535, not "70000".');
    expect(() => parseBrokerFlags(['--min-insync-replicas', '0'])).toThrow('--min-insync-replicas wants a whole number at least 1, not "0".');
    expect(() => parseBrokerFlags(['--num-partitions', 'two'])).toThrow(/--num-partitions wants a whole number/);
    expect(() => parseBrokerFlags(['--port'])).toThrow(/--port needs a value/);
    expect(() => parseBrokerFlags(['--port', '--id', '1'])).toThrow(/--port needs a value/);
    expect(() => parseBrokerFlags(['--id', '1', '--id', '2'])).toThrow(/--id is given twice/);
  });

  test('--cluster lists every broker as id@host:port', () => {
    expect(parseCluster('1@127.0.0.1:9092,2@localhost:9093, 3@[::1]:9094')).toEqual([
      { id: 1, host: '127.0.0.1', port: 9092 },
      { id: 2, host: 'localhost', port: 9093 },
      { id: 3, host: '::1', port: 9094 },
    ]);
    expect(() => parseCluster('1@127.0.0.1')).toThrow(/"1@127.0.0.1" is not id@host:port/);
    expect(() => parseCluster('1@a:9092,1@b:9093')).toThrow(/names broker 1 twice/);
    expect(() => parseCluster('1@a:9092,2@a:9092')).toThrow(/brokers 1 and 2 the same address a:9092/);
    expect(() => parseCluster('1@a:0')).toThrow(/needs its real port/);
  });

  test('with --cluster the broker must be listed, and its port comes from there', () => {
    const cluster = '1@127.0.0.1:9092,2@127.0.0.1:9093';
    const options = (...args: string[]) => brokerOptions(parseBrokerFlags(args).options, 7);
    expect(options('--id', '2', '--cluster', cluster)).toMatchObject({ id: 2, host: '127.0.0.1', port: 9093 });
    expect(() => options('--id', '3', '--cluster', cluster)).toThrow(/--cluster has no broker 3: list every broker of the cluster, this one included \(brokers 1, 2 are listed\)/);
    expect(() => options('--id', '2', '--port', '9094', '--cluster', cluster)).toThrow(/--port 9094 disagrees with --cluster, which lists broker 2 at 127.0.0.1:9093/);
  });

  test('from step 08: --controller is host:port, the heartbeat and session settings are numbers, and --cluster is refused', async () => {
    const { options } = parseBrokerFlags([
      '--controller', '127.0.0.1:9093', '--broker-heartbeat-interval-ms', '200', '--broker-session-timeout-ms=1500',
      '--leader-imbalance-check-interval-ms', '1000', '--offsets-topic-replication-factor', '2',
    ]);
    expect(options).toEqual({ controller: '127.0.0.1:9093', brokerHeartbeatIntervalMs: 200, brokerSessionTimeoutMs: 1500, leaderImbalanceCheckIntervalMs: 1000, offsetsTopicReplicationFactor: 2 });
    expect(parseBrokerFlags(['--controller', '[::1]:9093']).options.controller).toBe('::1:9093');
    expect(() => parseBrokerFlags(['--controller', '127.0.0.1'])).toThrow('--controller wants host:port with a real port (1 to 65535), for example 127.0.0.1:9093, not "127.0.0.1".');
    expect(() => parseBrokerFlags(['--controller', 'a:0'])).toThrow(/--controller wants host:port/);
    await expect(brokerCommand(['--step', '08', '--cluster', '1@127.0.0.1:9092'])).rejects.toThrow(
      "Step 08's broker has no --cluster: from step 08 brokers learn each other from the controller: use --controller host:port (npm run controller starts one).",
    );
  });

  test("the data dir defaults to a folder per broker id, as the Broker's own, in a folder per step under the OS temp dir", () => {
    expect(brokerOptions(parseBrokerFlags(['--id', '7']).options, 8)).toMatchObject({ id: 7, host: '127.0.0.1', port: 9092, dataDir: path.join(os.tmpdir(), 'kfs-step-08', 'kafka-logs-7') });
    // Step 09 stores Kafka's record batches and would cut step 08's segments as torn: never the same folder.
    expect(brokerOptions(parseBrokerFlags(['--id', '7']).options, 9).dataDir).toBe(path.join(os.tmpdir(), 'kfs-step-09', 'kafka-logs-7'));
  });
});

describe('npm run broker', () => {
  test('starts on --port 0, says once where it really listens, and stops cleanly on SIGTERM', { timeout: 40_000 }, async () => {
    const broker = runCli(['broker', '--step', STEP, '--id', '5', '--port', '0', '--data-dir', tempDir()]);
    cleanup({ kill: () => broker.child.kill('SIGKILL') });
    const [, port] = await broker.line(/^Broker 5 listening on 127\.0\.0\.1:(\d+)$/, START_MS, 'the broker did not say it listens');
    expect(Number(port)).toBeGreaterThan(0);
    (await connect(Number(port))).destroy();
    expect(broker.stdout().match(/listening on/g), 'the listening line is printed once').toHaveLength(1);

    const exit = await stopCli(broker, 'SIGTERM', 10_000);
    expect(exit, `stderr: ${broker.stderr()}`).toEqual({ code: 0, signal: null });
    expect(broker.stdout()).toMatch(/^Broker 5 stopped$/m);
  });

  test('on a taken port it says which, and what to try', { timeout: 40_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanup({ close: () => new Promise<void>((resolve) => holder.close(() => resolve())) });
    const { port } = holder.address() as net.AddressInfo;

    const broker = runCli(['broker', '--step', STEP, '--port', String(port), '--data-dir', tempDir()]);
    cleanup({ kill: () => broker.child.kill('SIGKILL') });
    const exit = await broker.exited;
    expect(exit.code, `stderr: ${broker.stderr()}`).toBe(PORT_TAKEN_EXIT_CODE);
    expect(broker.stderr()).toContain(`Port ${port} on 127.0.0.1 is taken`);
    expect(broker.stderr()).toContain('--port 0 for any free one');
  });
});
