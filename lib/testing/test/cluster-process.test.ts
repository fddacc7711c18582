// The cluster harness for step tests (lib/testing/cluster-process.ts): brokers as processes on
// ports picked beforehand, each told the whole cluster, or from step 08 a controller process
// first and brokers told its address; kill and restart keep a broker's (or the controller's) port
// and data; pause and resume freeze a broker; stop leaves no process and no data dir behind.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { useCleanup } from '../cleanup.ts';
import { PortTakenError, processExists as alive, startBrokerProcess, startControllerProcess } from '../broker-process.ts';
import { startCluster } from '../cluster-process.ts';
import { connect } from '../net.ts';
import { useTempDirs } from '../temp-dir.ts';
import { within } from '../wait.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs('kfs-fake-broker-');
const STEP_06 = path.join(SOLUTIONS_DIR, '06-consumer-groups', 'src');
const STEP_08 = path.join(SOLUTIONS_DIR, '08-controller', 'src');

/** A src/ whose Broker (and Controller) listens and writes the options it was given to dataDir/options.json. */
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
// The same class as the controller: only the options it is given matter here.
export { Broker as Controller };
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

describe('startCluster with controller: true', () => {
  test('starts the controller first, and gives every broker its address in place of the cluster', { timeout: 60_000 }, async () => {
    const cluster = await startCluster(fakeBrokerSrc(), { brokers: 2, controller: true, controllerOptions: { brokerSessionTimeoutMs: 1500 }, brokerOptions: { brokerHeartbeatIntervalMs: 300 } });
    const controller = cluster.controller();
    expect(controller).toMatchObject({ id: 0, host: '127.0.0.1' });
    expect(cluster.brokers.map(({ port }) => port)).not.toContain(controller.port);
    expect(JSON.parse(fs.readFileSync(path.join(controller.dataDir, 'options.json'), 'utf8'))).toEqual({ id: 0, host: '127.0.0.1', port: controller.port, dataDir: controller.dataDir, brokerSessionTimeoutMs: 1500 });
    for (const broker of cluster.brokers) {
      const given = JSON.parse(fs.readFileSync(path.join(broker.dataDir, 'options.json'), 'utf8'));
      expect(given).toEqual({ id: broker.id, host: '127.0.0.1', port: broker.port, dataDir: broker.dataDir, controller: `127.0.0.1:${controller.port}`, brokerHeartbeatIntervalMs: 300 });
    }

    const pid = controller.pid;
    await expect(cluster.restartController()).rejects.toThrow(/the controller is still running/);
    expect(await cluster.killController('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(alive(pid)).toBe(false);
    const restarted = await cluster.restartController();
    expect(restarted).toMatchObject({ id: 0, port: controller.port, dataDir: controller.dataDir });
    expect(restarted.pid).not.toBe(pid);
    (await connect(controller.port)).destroy();

    const pids = [cluster.controller().pid, ...cluster.brokers.map((broker) => broker.pid)];
    const dirs = [controller.dataDir, ...cluster.brokers.map(({ dataDir }) => dataDir)];
    await cluster.stop();
    expect(pids.filter(alive), 'processes still running after stop()').toEqual([]);
    expect(dirs.filter((dir) => fs.existsSync(dir)), 'data dirs left after stop()').toEqual([]);
  });

  test('without it there is no controller, and a step without a Controller export cannot have one', { timeout: 30_000 }, async () => {
    const cluster = await startCluster(fakeBrokerSrc(), { brokers: 1 });
    expect(() => cluster.controller()).toThrow(/the cluster has no controller process/);
    await expect(startControllerProcess(STEP_06, { dataDir: tempDir() })).rejects.toThrow(/exports no Controller \(the controller arrives in step 08\)/);
  });

  test('step 08: kill and restart a broker and the controller, pause and resume a broker, stop leaves nothing', { timeout: 90_000 }, async () => {
    type Step08 = typeof import('../../../steps/08-controller/src/index.ts'); // the same API as the reference's, and there even without solutions/
    const { Connection, KafkaAdmin } = (await import(pathToFileURL(path.join(STEP_08, 'index.ts')).href)) as Step08;
    const cluster = await startCluster(STEP_08, { brokers: 2, controller: true, log: true, brokerOptions: { brokerHeartbeatIntervalMs: 200 } });
    expect(cluster.controllerProcess().stdout()).toMatch(/^Controller 0 listening on 127\.0\.0\.1:\d+$/m);
    const admin = cleanup(new KafkaAdmin({ bootstrapServers: [cluster.bootstrapServers[0]!] }));
    await admin.createTopic('kept', { partitions: 2, replicationFactor: 2 });

    // A broker killed and restarted: same port, same data.
    const second = cluster.broker(2);
    const brokerPid = second.pid;
    expect(await cluster.kill(2)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(brokerPid)).toBe(false);
    expect(await cluster.restart(2)).toMatchObject({ id: 2, port: second.port, dataDir: second.dataDir });

    // The controller killed and restarted: same port, and it replays its metadata log.
    const { port, pid } = cluster.controller();
    expect(await cluster.killController()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(alive(pid)).toBe(false);
    expect(cluster.isRunning(1) && cluster.isRunning(2), 'the brokers run on without the controller').toBe(true);
    const restarted = await cluster.restartController();
    expect(restarted.port).toBe(port);
    expect(cluster.controllerProcess().stdout()).toMatch(/Replayed \d+ metadata record\(s\): 2 broker\(s\), 1 topic\(s\)/);
    const toController = cleanup(new Connection('127.0.0.1', port));
    expect((await toController.request({ type: 'metadata' })).topics.map(({ name }) => name)).toContain('kept');

    // A paused broker answers nothing until it is resumed; then the waiting request is answered.
    const toBroker = cleanup(new Connection('127.0.0.1', cluster.broker(1).port));
    await toBroker.request({ type: 'metadata', topics: ['kept'] });
    await cluster.pause(1);
    expect(cluster.isPaused(1)).toBe(true);
    const answer = toBroker.request({ type: 'metadata', topics: ['kept'] });
    await expect(within(answer, 500, 'no answer')).rejects.toThrow(/no answer/);
    await cluster.resume(1);
    expect((await within(answer, 5_000, 'no answer after resume')).topics[0]?.name).toBe('kept');

    // Stop ends everything, a paused broker too.
    await cluster.pause(2);
    const pids = [cluster.controller().pid, ...cluster.brokers.map((broker) => broker.pid)];
    await cluster.stop();
    expect(pids.filter(alive), 'processes still running after stop()').toEqual([]);
  });
});
