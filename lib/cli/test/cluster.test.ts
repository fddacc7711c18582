// `npm run cluster` (lib/cli/commands/cluster.ts): its flags, and a cluster of two step-06 broker
// processes on free ports that prints its brokers, creates a topic and leaves no process behind
// when it is stopped; from step 08 a controller process first, the brokers told its address.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseTopics } from '../cluster/flags.ts';
import { clusterCommand } from '../commands/cluster.ts';
import { processExists as alive } from '../../testing/broker-process.ts';
import { useCleanup } from '../../testing/cleanup.ts';
import { connect } from '../../testing/net.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { waitFor } from '../../testing/wait.ts';
import { runCli, stopCli } from './run-cli.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs('kfs-cluster-cli-');

describe('cluster flags', () => {
  test('--topics is name:partitions:replication, the last two 1 when left out', () => {
    expect(parseTopics('test-topic:5:2,other:1:3, solo')).toEqual([
      { name: 'test-topic', partitions: 5, replicationFactor: 2 },
      { name: 'other', partitions: 1, replicationFactor: 3 },
      { name: 'solo', partitions: 1, replicationFactor: 1 },
    ]);
    expect(() => parseTopics('t:0:1')).toThrow(/"t:0:1" is not name:partitions:replication/);
    expect(() => parseTopics('t:x')).toThrow(/"t:x" is not name:partitions:replication/);
  });

  test('the flags the cluster sets for each broker are refused, unknown ones too', async () => {
    await expect(clusterCommand(['--id', '1'])).rejects.toThrow(/npm run cluster sets --id for each broker itself/);
    await expect(clusterCommand(['--cluster=1@a:1'])).rejects.toThrow(/npm run cluster sets --cluster/);
    await expect(clusterCommand(['--broker', '3'])).rejects.toThrow(/Unknown flag --broker\. npm run cluster knows: --brokers, --topics, --base-port, .*--min-insync-replicas/);
    await expect(clusterCommand(['--brokers', '0'])).rejects.toThrow(/--brokers wants a whole number from 1 to 99/);
    await expect(clusterCommand(['--controller', '127.0.0.1:9093'])).rejects.toThrow(/npm run cluster sets --controller/);
  });

  test("from step 08 the controller's port is below the brokers' unless told, and never one of theirs", async () => {
    await expect(clusterCommand(['--step', '08', '--base-port', '1'])).rejects.toThrow(/--base-port 1 leaves no port below it for the controller: give it one with --controller-port/);
    await expect(clusterCommand(['--step', '08', '--brokers', '3', '--controller-port', '9094'])).rejects.toThrow(/--controller-port 9094 is one of the brokers' ports \(9092 to 9094\)/);
  });
});

describe('npm run cluster', () => {
  test('--brokers 2 --base-port 0 starts two broker processes, prints them, and SIGTERM stops both', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const cluster = runCli(['cluster', '--step', '06', '--brokers', '2', '--base-port', '0', '--data-dir', dataDir, '--topics', 'numtest:3:2']);
    cleanup({ kill: () => cluster.child.kill('SIGKILL') }); // its brokers stop when it goes (their stdin closes)

    await cluster.line(/^kcat: npm run kcat -- .*-b 127\.0\.0\.1:\d+ -L$/, 45_000, 'the cluster did not come up');
    const brokers = [...cluster.stdout().matchAll(/^ {2}broker (\d) {2}127\.0\.0\.1:(\d+) {2}pid (\d+) {2}(\S+)$/gm)].map(([, id, port, pid, dir]) => ({ id: Number(id), port: Number(port), pid: Number(pid), dir }));
    expect(brokers.map(({ id, dir }) => ({ id, dir })), cluster.stdout()).toEqual([
      { id: 1, dir: path.join(dataDir, 'broker-1') },
      { id: 2, dir: path.join(dataDir, 'broker-2') },
    ]);
    expect(brokers[0]!.port).not.toBe(brokers[1]!.port);
    for (const broker of brokers) {
      expect(alive(broker.pid), `broker ${broker.id}'s pid ${broker.pid} runs`).toBe(true);
      (await connect(broker.port)).destroy();
    }
    // Each broker's own lines come prefixed with its name.
    expect(cluster.stdout()).toMatch(/^\[broker 1\] Broker 1 listening on 127\.0\.0\.1:\d+$/m);
    expect(cluster.stdout()).toMatch(/^\[broker 2\] Broker 2 listening on 127\.0\.0\.1:\d+$/m);
    // Step 06 has no replication: the topic is made with one replica, and the cluster says so.
    expect(cluster.stdout()).toMatch(/KafkaAdmin has no replication .*numtest:3:2/);
    expect(cluster.stdout()).toMatch(/^Created topic numtest: 3 partition\(s\), replication factor 1$/m);

    const exit = await stopCli(cluster, 'SIGTERM', 20_000);
    expect(exit, `stderr: ${cluster.stderr()}`).toEqual({ code: 0, signal: null });
    expect(cluster.stdout()).toMatch(/^\[broker 1\] Broker 1 stopped$/m);
    expect(cluster.stdout()).toMatch(/^\[broker 2\] Broker 2 stopped$/m);
    await waitFor(() => brokers.every((broker) => !alive(broker.pid)), 5_000, 'a broker process is still running after the cluster stopped');
  });

  test('from step 08: a controller process first, the brokers told its address; SIGTERM stops all three', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const cluster = runCli(['cluster', '--step', '08', '--brokers', '2', '--base-port', '0', '--data-dir', dataDir, '--broker-session-timeout-ms', '4000']);
    cleanup({ kill: () => cluster.child.kill('SIGKILL') });

    await cluster.line(/^Bootstrap servers: /, 45_000, 'the cluster did not come up');
    const listed = [...cluster.stdout().matchAll(/^ {2}(controller 0|broker \d) {2}127\.0\.0\.1:(\d+) {2}pid (\d+) {2}(\S+)$/gm)].map(([, name, port, pid, dir]) => ({ name, port: Number(port), pid: Number(pid), dir }));
    expect(listed.map(({ name, dir }) => ({ name, dir })), cluster.stdout()).toEqual([
      { name: 'controller 0', dir: path.join(dataDir, 'controller') },
      { name: 'broker 1', dir: path.join(dataDir, 'broker-1') },
      { name: 'broker 2', dir: path.join(dataDir, 'broker-2') },
    ]);
    expect(new Set(listed.map(({ port }) => port)).size).toBe(3);
    for (const member of listed) expect(alive(member.pid), `${member.name}'s pid ${member.pid} runs`).toBe(true);
    const controllerPort = listed[0]!.port;
    expect(cluster.stdout()).toMatch(new RegExp(`^\\[controller\\] Controller 0 listening on 127\\.0\\.0\\.1:${controllerPort}$`, 'm'));
    // Both brokers registered with it before the cluster said it was up.
    expect(cluster.stdout()).toMatch(/^\[controller\] Broker 1 registered at /m);
    expect(cluster.stdout()).toMatch(/^\[controller\] Broker 2 registered at /m);
    expect(cluster.stdout().indexOf('registered at'), 'registered before the listing').toBeLessThan(cluster.stdout().indexOf('is up:'));

    const exit = await stopCli(cluster, 'SIGTERM', 30_000);
    expect(exit, `stderr: ${cluster.stderr()}`).toEqual({ code: 0, signal: null });
    expect(cluster.stdout()).toMatch(/^\[controller\] Controller 0 stopped$/m);
    const stoppedAt = (line: string) => cluster.stdout().indexOf(line);
    expect(stoppedAt('Broker 1 stopped') * stoppedAt('Broker 2 stopped'), 'both brokers stopped cleanly').toBeGreaterThan(0);
    expect(stoppedAt('Controller 0 stopped'), 'the brokers stop first').toBeGreaterThan(Math.max(stoppedAt('Broker 1 stopped'), stoppedAt('Broker 2 stopped')));
    await waitFor(() => listed.every((member) => !alive(member.pid)), 5_000, 'a process is still running after the cluster stopped');
  });
});
