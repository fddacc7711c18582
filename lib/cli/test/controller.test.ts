// `npm run controller` (lib/cli/commands/controller.ts): its flags, a step-08 controller process
// that starts on port 0, says once where it listens and stops cleanly on SIGTERM, and a step
// without a Controller refused with where the controller arrives.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONTROLLER_FLAGS, controllerCommand, controllerOptions } from '../commands/controller.ts';
import { parseBrokerFlags } from '../broker-flags.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { connect } from '../../testing/net.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { runCli, stopCli } from './run-cli.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs('kfs-controller-cli-');

describe('controller flags', () => {
  test("Kafka's names map to the Controller's options; id 0, port 9093 and the step's own temp data dir unless given", () => {
    const parse = (...args: string[]) => controllerOptions(parseBrokerFlags(args, CONTROLLER_FLAGS, 'npm run controller').options, 9);
    expect(parse('--port', '9191', '--data-dir', '/d', '--broker-session-timeout-ms', '1500', '--leader-imbalance-check-interval-ms=1000', '--default-replication-factor', '2', '--num-partitions', '3', '--offsets-topic-replication-factor', '2')).toEqual({
      id: 0, host: '127.0.0.1', port: 9191, dataDir: path.resolve('/d'), brokerSessionTimeoutMs: 1500, leaderImbalanceCheckIntervalMs: 1000, defaultReplicationFactor: 2, numPartitions: 3, offsetsTopicReplicationFactor: 2,
    });
    expect(parse()).toEqual({ id: 0, host: '127.0.0.1', port: 9093, dataDir: path.join(os.tmpdir(), 'kfs-step-09', 'kraft-controller-logs') });
    expect(() => parse('--min-insync-replicas', '2')).toThrow(/Unknown flag --min-insync-replicas\. npm run controller knows: --id, --port, --data-dir, .*--broker-session-timeout-ms/);
  });

  test('a step without a Controller is refused: the controller arrives in step 08', async () => {
    await expect(controllerCommand(['--step', '07', '--port', '0'])).rejects.toThrow(/exports no Controller: the controller arrives in step 08\./);
  });
});

describe('npm run controller', () => {
  test('starts on --port 0, says once where it really listens, and stops cleanly on SIGTERM', { timeout: 40_000 }, async () => {
    const controller = runCli(['controller', '--step', '08', '--port', '0', '--data-dir', tempDir(), '--broker-session-timeout-ms', '3000']);
    cleanup({ kill: () => controller.child.kill('SIGKILL') });
    const [, port] = await controller.line(/^Controller 0 listening on 127\.0\.0\.1:(\d+)$/, 20_000, 'the controller did not say it listens');
    (await connect(Number(port))).destroy();
    expect(controller.stdout().match(/listening on/g), 'the listening line is printed once').toHaveLength(1);

    const exit = await stopCli(controller, 'SIGTERM', 10_000);
    expect(exit, `stderr: ${controller.stderr()}`).toEqual({ code: 0, signal: null });
    expect(controller.stdout()).toMatch(/^Controller 0 stopped$/m);
  });
});
