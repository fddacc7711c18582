// The dashboard in a real headless Chromium, against a 3-broker step 08 cluster started by the
// launcher exactly as an instructor starts it (npm run cluster -- --dashboard, as a process): the
// page shows the brokers and the partitions' leaders; a consumer group's lag goes to zero as it
// reads; after a broker is killed (once by this test, once by the page's own button) the page
// shows it dead and the new leaders within the broker session timeout plus a second; a restarted
// broker comes back into the ISR and takes its partitions back; and the page asks nothing of any
// host but the dashboard's own on 127.0.0.1. A screenshot of each state goes to .kfs/dashboard/.
// Without a Chromium the tests are skipped, saying how to get one; with KFS_REQUIRE_EXTRAS=1
// (CI) they fail instead.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '#lib/paths.ts';
import { chromiumMissingMessage, findChromium, launchChromium, REQUIRE_BROWSER } from '#lib/slides/browser.ts';
import { Connection, KafkaConsumer, KafkaProducer, stringDeserializer, stringSerializer } from '../../../solutions/08-controller/src/index.ts';

const skip = findChromium() === null && !REQUIRE_BROWSER;
const SESSION_TIMEOUT_MS = 2000;
/** The bound: the page shows a dead broker's partitions moved within the session timeout plus a second. */
const FAILOVER_MS = SESSION_TIMEOUT_MS + 1000;
const TOPIC = 'test-topic';
const SHOTS = path.join(ROOT, '.kfs', 'dashboard');

interface Started {
  id: number;
  host: string;
  port: number;
  pid: number;
}

let launcher: ChildProcess;
let output = '';
let dataDir: string;
let dashboardUrl: string;
const brokers = new Map<number, Started>();
let browser: Browser;
let page: Page;
const requests: string[] = [];
/** Each partition's leader and replicas as the cluster first named them (the first replica is the preferred leader). */
let layout: Map<string, { leader: number; replicas: number[] }>;

/** Polls the page until `check` (run in the page) returns true, or fails with what the page showed. */
async function until(what: string, check: string, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await page.evaluate(check).catch(() => false)) return Date.now() - started;
    if (Date.now() - started > ms) {
      const shown = await page.evaluate("[...document.querySelectorAll('[data-broker].card, tr[data-partition]')].map((e) => e.dataset.broker ? `broker ${e.dataset.broker} ${e.dataset.status}` : `${e.dataset.partition} leader ${e.dataset.leader} isr ${e.dataset.isr}`).join('; ')").catch(() => '?');
      throw new Error(`the page did not show ${what} within ${ms} ms; it shows: ${shown}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const status = (id: number) => `document.querySelector('.card[data-broker="${id}"]')?.dataset.status`;
const leaders = () => page.evaluate("Object.fromEntries([...document.querySelectorAll('tr[data-partition]')].map((row) => [row.dataset.partition, Number(row.dataset.leader)]))") as Promise<Record<string, number>>;

async function metadata(): Promise<Map<string, { leader: number; replicas: number[] }>> {
  for (const broker of brokers.values()) {
    const connection = new Connection(broker.host, broker.port);
    try {
      const answer = await connection.request({ type: 'metadata', topics: [TOPIC] });
      if (answer.brokers.length < brokers.size) continue;
      return new Map(answer.topics[0]!.partitions.map((partition) => [`${TOPIC}-${partition.partition}`, { leader: partition.leader, replicas: partition.replicas }]));
    } catch {
      // a broker that is down: ask the next
    } finally {
      await connection.close();
    }
  }
  throw new Error('no broker answered metadata');
}

describe.skipIf(skip)(skip ? `skipped: ${chromiumMissingMessage()}` : 'the dashboard in Chromium, on a 3-broker step 08 cluster from npm run cluster -- --dashboard', () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-dashboard-'));
    launcher = spawn(
      process.execPath,
      [
        '--import', 'tsx', path.join(ROOT, 'lib', 'main.ts'), 'cluster', '--step', '08',
        '--brokers', '3', '--base-port', '0', '--data-dir', dataDir, '--topics', `${TOPIC}:3:3`, '--dashboard',
        '--broker-heartbeat-interval-ms', '250', '--broker-session-timeout-ms', String(SESSION_TIMEOUT_MS),
        '--leader-imbalance-check-interval-ms', '500', '--replica-lag-time-max-ms', '1500',
        '--offsets-topic-num-partitions', '3', '--offsets-topic-replication-factor', '3', '--group-initial-rebalance-delay-ms', '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    launcher.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const lines = readline.createInterface({ input: launcher.stdout! });
    dashboardUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the launcher printed no dashboard address within 60 s:\n${output}`)), 60_000);
      launcher.once('exit', (code) => reject(new Error(`the launcher exited (${code}) before its dashboard was up:\n${output}`)));
      lines.on('line', (line) => {
        output += `${line}\n`;
        const broker = /^\s+broker (\d+)\s+(\S+):(\d+)\s+pid (\d+)/.exec(line);
        if (broker) brokers.set(Number(broker[1]), { id: Number(broker[1]), host: broker[2]!, port: Number(broker[3]), pid: Number(broker[4]) });
        const dashboard = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line);
        if (dashboard) {
          clearTimeout(timer);
          resolve(dashboard[1]!);
        }
      });
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => void dialog.dismiss());
    await page.goto(dashboardUrl);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGINT');
      const late = setTimeout(() => launcher.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(late);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('shows three live brokers, the controller, and each partition with the leader the cluster names', async () => {
    expect([...brokers.keys()], `the launcher's listing:\n${output}`).toEqual([1, 2, 3]);
    await until('three alive brokers', "[...document.querySelectorAll('.card[data-broker]')].filter((card) => card.dataset.status === 'alive').length === 3", 20_000);
    await until('three partitions in the ISR of all three', "document.querySelectorAll('tr[data-partition]').length === 3 && [...document.querySelectorAll('tr[data-partition]')].every((row) => row.dataset.isr.split(',').length === 3)", 20_000);
    expect(await page.evaluate("document.querySelector('.card[data-controller]')?.dataset.status")).toBe('alive');
    layout = await metadata();
    const expected = Object.fromEntries([...layout].map(([name, { leader }]) => [name, leader]));
    expect(await leaders(), 'leaders on the page against the metadata').toEqual(expected);
    // Everything fits the projector: nothing to scroll at 1280×720.
    const size = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.scrollHeight]')) as number[];
    expect(size, 'the page scrolls at 1280×720').toEqual([1280, 720]);
  });

  it("shows a consumer group's committed offsets and lag, going to zero as it reads", async () => {
    const servers = [...brokers.values()].map(({ host, port }) => `${host}:${port}`);
    const producer = new KafkaProducer({ bootstrapServers: servers, keySerializer: stringSerializer, valueSerializer: stringSerializer });
    for (let i = 0; i < 30; i++) void producer.send(TOPIC, { key: `key-${i}`, value: `value ${i}` });
    await producer.flush();
    await producer.close();
    const consumer = new KafkaConsumer(TOPIC, { bootstrapServers: servers, groupId: 'dashboard-demo', autoOffsetReset: 'earliest', enableAutoCommit: false, valueDeserializer: stringDeserializer, consumerTimeoutMs: 15_000 });
    try {
      let read = 0;
      for await (const _message of consumer) {
        read++;
        if (read === 5) {
          await consumer.commit();
          await until('the group with lag above zero', "Number(document.querySelector('.group[data-group=\"dashboard-demo\"]')?.dataset.lag) > 0", 10_000);
          await page.screenshot({ path: path.join(SHOTS, '1-group-lagging.png') });
        }
        if (read === 30) break;
      }
      await consumer.commit();
      await until('the group with lag 0 on every partition', "document.querySelector('.group[data-group=\"dashboard-demo\"]')?.dataset.lag === '0' && document.querySelectorAll('.group[data-group=\"dashboard-demo\"] tr[data-offset]').length === 3", 10_000);
      await until('the high watermarks at 30 in all', "[...document.querySelectorAll('tr[data-partition] td:nth-child(5)')].reduce((sum, cell) => sum + Number(cell.textContent), 0) === 30", 10_000);
      await page.screenshot({ path: path.join(SHOTS, '2-alive-caught-up.png') });
    } finally {
      await consumer.close();
    }
  }, 40_000);

  /** Waits until the page shows `id` dead, none of the partitions led by it, and `id` out of every ISR. */
  async function failedOver(id: number, shot: string): Promise<number> {
    const took = await until(`broker ${id} dead and its partitions led by others`, `${status(id)} === 'dead' && [...document.querySelectorAll('tr[data-partition]')].every((row) => Number(row.dataset.leader) !== ${id} && Number(row.dataset.leader) > 0 && !row.dataset.isr.split(',').includes('${id}'))`, FAILOVER_MS);
    await page.screenshot({ path: path.join(SHOTS, shot) });
    // The group's committed offsets outlive its coordinator: the page still shows them, lag 0.
    await until('the group still there with lag 0', "document.querySelector('.group[data-group=\"dashboard-demo\"]')?.dataset.lag === '0'", 10_000);
    return took;
  }

  /** Waits until broker `id` is alive again, back in every ISR, and leads its preferred partitions. */
  async function cameBack(id: number, shot: string): Promise<void> {
    const preferred = [...layout].filter(([, { replicas }]) => replicas[0] === id).map(([name]) => name);
    await until(`broker ${id} alive, back in every ISR and leading ${preferred.join(', ')} again`, `${status(id)} === 'alive' && [...document.querySelectorAll('tr[data-partition]')].every((row) => row.dataset.isr.split(',').includes('${id}') && (${JSON.stringify(preferred)}.includes(row.dataset.partition) ? Number(row.dataset.leader) === ${id} : true))`, 30_000);
    await page.screenshot({ path: path.join(SHOTS, shot) });
  }

  it('a broker killed by kill -9 shows dead and its partitions move to new leaders within the session timeout plus a second; restarted from the page, it takes them back', async () => {
    const victim = (await leaders())[`${TOPIC}-0`]!;
    process.kill(brokers.get(victim)!.pid, 'SIGKILL');
    await failedOver(victim, '3-broker-killed.png');
    expect(await page.evaluate("[...document.querySelectorAll('#timeline li')].map((li) => li.textContent).join('\\n')"), 'the timeline').toMatch(/ISR of test-topic-\d shrank[\s\S]*|leader \d → \d/);
    await page.click(`button[data-action="restart"][data-broker="${victim}"]`);
    await cameBack(victim, '4-broker-restarted.png');
  }, 60_000);

  it("the page's own kill -9 button fails a broker over the same way, its restart button brings it back, pause and resume freeze and thaw it", async () => {
    const victim = (await leaders())[`${TOPIC}-1`]!;
    await page.click(`button[data-action="kill"][data-broker="${victim}"]`);
    await failedOver(victim, '5-killed-by-button.png');
    const timeline = (await page.evaluate("[...document.querySelectorAll('#timeline li')].map((li) => li.textContent).join('\\n')")) as string;
    expect(timeline, 'the timeline').toContain(`kill -9 broker ${victim}`);
    expect(timeline, 'the timeline').toMatch(/test-topic-\d: leader \d → \d, leader epoch \d+/);
    await page.click(`button[data-action="restart"][data-broker="${victim}"]`);
    await cameBack(victim, '6-restarted-by-button.png');
    // Pause (SIGSTOP) and resume (SIGCONT): a broker alive but silent, then back.
    await page.click(`button[data-action="pause"][data-broker="${victim}"]`);
    await until(`broker ${victim} paused`, `${status(victim)} === 'paused'`, 5_000);
    await page.screenshot({ path: path.join(SHOTS, '7-paused.png') });
    await page.click(`button[data-action="resume"][data-broker="${victim}"]`);
    await until(`broker ${victim} alive again`, `${status(victim)} === 'alive'`, 10_000);
  }, 60_000);

  it('requests nothing from anywhere but the dashboard on 127.0.0.1', () => {
    const origin = new URL(dashboardUrl).origin;
    expect(requests.length, 'requests seen').toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:')), 'requests that left the dashboard').toEqual([]);
  });
});
