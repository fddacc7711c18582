// The cluster harness for step tests (lib/testing/cluster-process.ts): brokers as processes on
// ports picked beforehand, each told the whole cluster; kill and restart keep a broker's port and
// data; stop leaves no process and no data dir behind.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { useCleanup } from '../cleanup.ts';
import { PortTakenError, processExists as alive, startBrokerProcess } from '../broker-process.ts';
import { startCluster } from '../cluster-process.ts';
import { connect } from '../net.ts';
import { useTempDirs } from '../temp-dir.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs('kfs-fake-broker-');
const STEP_06 = path.join(SOLUTIONS_DIR, '06-consumer-groups', 'src');

/** A src/ whose Broker listens and writes the options it was given to dataDir/options.json. */
function fakeBrokerSrc(): string {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, 'index.ts'),
    `import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
export class Broker {
  server = net.createServer();
  constructor(readonly options: { host: string; port: number; dataDir: string }) {}
  async start() {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    fs.writeFileSync(path.join(this.options.dataDir, 'options.json'), JSON.stringify(this.options));
    return this.server.address();
  }
  async stop() {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
`,
  );
  return dir;
}

describe('startCluster', () => {
  test('gives every broker its id, port, own data dir and the whole cluster', { timeout: 60_000 }, async () => {
    const cluster = await startCluster(fakeBrokerSrc(), { brokers: 3, brokerOptions: (id) => ({ minInsyncReplicas: 2, rack: `r${id}` }) });
    const layout = cluster.brokers.map(({ id, host, port }) => ({ id, host, port }));
    expect(layout.map(({ id }) => id)).toEqual([1, 2, 3]);
    expect(new Set(layout.map(({ port }) => port)).size).toBe(3);
    expect(new Set(cluster.brokers.map(({ dataDir }) => dataDir)).size).toBe(3);
    expect(cluster.bootstrapServers).toEqual(layout.map(({ port }) => `127.0.0.1:${port}`));
    for (const broker of cluster.brokers) {
      const given = JSON.parse(fs.readFileSync(path.join(broker.dataDir, 'options.json'), 'utf8'));
      expect(given).toEqual({ id: broker.id, host: '127.0.0.1', port: broker.port, dataDir: broker.dataDir, cluster: layout, minInsyncReplicas: 2, rack: `r${broker.id}` });
      expect(alive(broker.pid)).toBe(true);
    }

    const pids = cluster.brokers.map(({ pid }) => pid);
    const dirs = cluster.brokers.map(({ dataDir }) => dataDir);
    await cluster.stop();
    expect(pids.filter(alive), 'broker processes still running after stop()').toEqual([]);
    expect(dirs.filter((dir) => fs.existsSync(dir)), 'data dirs left after stop()').toEqual([]);
    await cluster.stop(); // twice is harmless (the test's own cleanup calls it again)
  });

  test("kill and restart keep a step-06 broker's port and data", { timeout: 60_000 }, async () => {
    const { KafkaAdmin } = (await import(pathToFileURL(path.join(STEP_06, 'index.ts')).href)) as typeof import('../../../solutions/06-consumer-groups/src/index.ts');
    const cluster = await startCluster(STEP_06, { brokers: 2 });
    const [first, second] = cluster.brokers;
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [cluster.bootstrapServers[0]!] }));
    await admin.createTopic('kept', { partitions: 2 });
    await admin.close();

    const pid = first!.pid;
    expect(await cluster.kill(1)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(cluster.isRunning(1)).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(cluster.isRunning(2), 'broker 2 runs on').toBe(true);
    await expect(connect(first!.port)).rejects.toThrow(/could not connect/);

    const restarted = await cluster.restart(1);
    expect(restarted).toMatchObject({ id: 1, port: first!.port, dataDir: first!.dataDir });
    expect(restarted.pid).not.toBe(pid);
    const again = cleanup(new KafkaAdmin({ bootstrapServers: [cluster.bootstrapServers[0]!] }));
    expect(await again.listTopics(), 'the topic created before the kill').toContain('kept');
    expect(second!.pid).toBe(cluster.broker(2).pid);
    await expect(cluster.restart(2)).rejects.toThrow(/broker 2 is still running/);
  });

  test('a broker process on a taken port fails with PortTakenError, which the start and restart retry on', { timeout: 30_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    cleanup({ close: () => new Promise<void>((resolve) => holder.close(() => resolve())) });
    const { port } = holder.address() as net.AddressInfo;
    const started = startBrokerProcess(fakeBrokerSrc(), { port, dataDir: tempDir() });
    await expect(started).rejects.toBeInstanceOf(PortTakenError);
    await expect(started).rejects.toThrow(`port ${port} is taken`);
  });
});
