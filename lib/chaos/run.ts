// One chaos run, from start to verdict: a controller and three brokers of a step as real
// processes; a topic with replication factor 3 and min.insync.replicas 2; producers with
// acks=all and a consumer group of two running the whole time; the nemesis breaking one broker
// at a time, `kills` times; then the producers stop, the group drains, every partition is read
// back from the beginning (through the cluster and from each replica's files), and the checker
// judges the history. `npm run chaos` (command.ts) and lib/chaos/test/chaos.test.ts both run this.
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type ClusterProcess } from '../testing/cluster-process.ts';
import { within } from '../testing/wait.ts';
import { check, type CheckResult } from './checker.ts';
import { ClusterView, describePartitions, healthy } from './cluster-view.ts';
import { GroupConsumers } from './consumers.ts';
import { explain } from './explain.ts';
import { finalRead, readEndOffsets } from './final-read.ts';
import { HistoryRecorder, type History } from './history.ts';
import { LeaderWatch } from './leader-watch.ts';
import { htmlReport } from './html-report.ts';
import { Nemesis, NEMESIS_DEFAULTS, type NemesisSettings, type RoundReport } from './nemesis.ts';
import { Prng } from './prng.ts';
import { PRODUCER_DEFAULTS, Producers, type ProducerSettings } from './producers.ts';
import { settleWithin } from './settle-within.ts';
import { loadStepApi } from './step-api.ts';

export const TOPIC = 'chaos';
const BROKERS = 3;
/** How long the workload may take to get going (the group's first join, the first acks) before the first fault. */
const WARM_UP_MS = 60_000;
/** How long the cluster may take to heal at the end, and the group to read to the end. */
const SETTLE_MS = 60_000;
/** The controller's broker.session.timeout.ms in a chaos run: a broker silent for 1.5 s is fenced. */
const SESSION_MS = 1_500;

export interface ChaosOptions {
  /** The step's src/ to run (its index.ts exports the public API). */
  srcDir: string;
  /** How to name it in messages: "solutions/09-kafka-protocol/src (the reference)". */
  label?: string;
  seed: number;
  /** How many faults (50 from the command line). */
  kills: number;
  partitions?: number;
  producers?: Partial<ProducerSettings>;
  nemesis?: Partial<NemesisSettings>;
  /** Where to write history.json and report.html; null writes nothing. */
  outDir: string | null;
  /** The command that replays the run, for the report (npm run chaos -- --seed N --kills N). */
  replay?: string;
  /** Progress lines (console.log on the command line). */
  log?: (line: string) => void;
  /** Aborted (Ctrl-C on the command line): no more faults; the run heals, reads back and reports what it has. */
  stop?: AbortSignal;
}

export interface ChaosRun {
  result: CheckResult;
  history: History;
  rounds: RoundReport[];
  durationMs: number;
  /** Per partition: whether its in-sync replicas' logs hold the same records (keys, values, timestamps, headers) in the same order. */
  replicasAgree: boolean[];
  /** Things that kept the run from being what was asked (a round that failed, a short read, replicas that differ); none is an anomaly, each is a problem. */
  notes: string[];
  /** No anomaly and no note: every fault done and healed, everything read back, the replicas the same. */
  clean: boolean;
  outDir: string | null;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const log = options.log ?? (() => {});
  const partitionCount = options.partitions ?? 4;
  const started = Date.now();
  const api = await loadStepApi(options.srcDir);
  log(`Starting a controller and ${BROKERS} brokers of ${options.label ?? options.srcDir}…`);
  // Fast failure detection, as the step's failover tests use: a broker silent for 1.5 s is fenced.
  // The preferred leader comes back every 5 s, which moves leadership once more after each return.
  const cluster = await startCluster(options.srcDir, {
    brokers: BROKERS,
    controller: true,
    controllerOptions: { brokerSessionTimeoutMs: SESSION_MS, leaderImbalanceCheckIntervalMs: 5_000 },
    brokerOptions: {
      minInsyncReplicas: 2,
      brokerHeartbeatIntervalMs: 200,
      replicaFetchWaitMaxMs: 100,
      replicaFetchBackoffMs: 100,
      replicaLagTimeMaxMs: 5_000,
      groupInitialRebalanceDelayMs: 0,
      offsetsTopicNumPartitions: 3,
    },
    // Ctrl-C in the terminal reaches the run alone, which still heals, reads back and reports.
    ownProcessGroups: true,
  });
  const notes: string[] = [];
  const rounds: RoundReport[] = [];
  const history = new HistoryRecorder(TOPIC, partitionCount, options.seed);
  const view = new ClusterView(api, cluster.controller().host, cluster.controller().port, TOPIC);
  try {
    const admin = new api.KafkaAdmin({ bootstrapServers: cluster.bootstrapServers });
    try {
      await within(admin.createTopic(TOPIC, { partitions: partitionCount, replicationFactor: BROKERS, configs: { 'min.insync.replicas': '2' } }), 30_000, `creating topic ${TOPIC} took too long`);
    } finally {
      await settleWithin(admin.close(), 10_000);
    }
    const ready = await view.waitFor(healthy, SETTLE_MS, `topic ${TOPIC} should get a leader and a full ISR for every partition`);
    log(`Topic ${TOPIC}: ${partitionCount} partitions, replication factor ${BROKERS}, min.insync.replicas 2 (${describePartitions(TOPIC, ready)})`);

    const leaders = new LeaderWatch(view, history);
    leaders.start(ready);
    const producers = new Producers(api, cluster.bootstrapServers, TOPIC, partitionCount, history, { ...PRODUCER_DEFAULTS, ...options.producers });
    const consumers = new GroupConsumers(api, cluster.bootstrapServers, TOPIC, history);
    producers.start();
    consumers.start();
    await waitUntil(() => count(history, 'acked') > 0 && history.events.some((event) => event.type === 'poll'), WARM_UP_MS, 'the producers should get a first ack and the group a first record');
    log(`Producers (acks=all) and a consumer group of two are running. The nemesis starts: ${options.kills} faults, seed ${options.seed}.`);

    const nemesis = new Nemesis(cluster, view, new Prng(options.seed), history, { sessionTimeoutMs: SESSION_MS, ...options.nemesis });
    for (let round = 1; round <= options.kills; round++) {
      if (options.stop?.aborted) {
        notes.push(`Interrupted after ${round - 1} of ${options.kills} faults.`);
        log(`Interrupted: no more faults. Healing the cluster, then reading everything back for the report.`);
        break;
      }
      const label = `[${String(round).padStart(String(options.kills).length)}/${options.kills}] +${Math.round(history.elapsed() / 1000)}s`;
      try {
        const report = await nemesis.round();
        rounds.push(report);
        log(`${label} ${report.summary} · ${progress(history)}`);
        if (report.healedMs === null) notes.push(`Fault ${round}: the cluster did not heal within ${NEMESIS_DEFAULTS.healMs / 1000} s after ${report.summary}.`);
      } catch (error) {
        // A liveness failure (no election in time, a broker that will not start): more faults would
        // only fail the same way, slowly. Bring every broker back and check what the run has.
        const message = (error as Error).message;
        notes.push(`Fault ${round} failed: ${message}`);
        history.record({ type: 'note', process: 'nemesis', detail: `fault ${round} failed: ${message}` });
        log(`${label} FAILED: ${message}`);
        log(`No more faults: the cluster did not get through this one. Checking what the run has so far.`);
        break;
      }
    }

    // The end: every broker back, producers stopped, the group drained, then the final read.
    await nemesis.healAll();
    let partitions = await view.waitFor(healthy, SETTLE_MS, 'every replica should be back in sync at the end').catch(async (error: Error) => {
      notes.push(error.message);
      return view.partitions();
    });
    log(`Faults over. Stopping the producers (a send still retrying settles within ${((options.producers?.deliveryTimeoutMs ?? PRODUCER_DEFAULTS.deliveryTimeoutMs) / 1000).toFixed(0)} s)…`);
    const neverSettled = await producers.stop();
    if (neverSettled > 0) notes.push(`${neverSettled} send(s) never settled: send() neither resolved nor rejected within deliveryTimeoutMs and a grace after it (recorded as unknown). A producer must settle every send, one way or the other.`);
    partitions = await view.partitions();
    const endOffsets = await readEndOffsets(api, cluster, view);
    log(`Producers stopped: ${progress(history)}. Letting the group read to the end offsets (${endOffsets.join(', ')})…`);
    try {
      await waitUntil(() => endOffsets.every((end, partition) => (consumers.highest.get(partition) ?? -1) >= end - 1), SETTLE_MS, 'the consumer group should read every partition to its end');
    } catch (error) {
      const behind = endOffsets.map((end, partition) => `${TOPIC}-${partition} at ${(consumers.highest.get(partition) ?? -1) + 1} of ${end}`).join(', ');
      notes.push(`${(error as Error).message} (${behind}): a liveness problem, not a lost record.`);
    }
    if (!(await consumers.stop())) notes.push('The consumer group did not close within 15 s (a close() that hangs): the run went on without waiting for it.');
    await leaders.stop();
    log('Reading every partition back from the beginning: through the cluster, and from each in-sync replica\'s files…');
    const read = await finalRead(api, cluster, view, history, partitions, endOffsets);
    notes.push(...read.notes);

    const result = check(history.history());
    const durationMs = Date.now() - started;
    const run: ChaosRun = { result, history: history.history(), rounds, durationMs, replicasAgree: read.replicasAgree, notes, clean: result.valid && notes.length === 0, outDir: options.outDir };
    if (options.outDir) writeRun(run, options, cluster);
    return run;
  } finally {
    await view.close().catch(() => {});
    await cluster.stop();
  }
}

/** history.json, report.html and explanation.txt; with anomalies, a copy of every broker's data too. */
function writeRun(run: ChaosRun, options: ChaosOptions, cluster: ClusterProcess): void {
  const dir = run.outDir!;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'history.json'), JSON.stringify(run.history));
  const facts = { title: `Chaos run: ${options.label ?? options.srcDir}`, source: options.label ?? options.srcDir, seed: options.seed, kills: run.rounds.length, replay: options.replay ?? `npm run chaos -- --seed ${options.seed} --kills ${options.kills}`, durationMs: run.durationMs, brokers: cluster.brokers.map((broker) => broker.id), notes: run.notes };
  fs.writeFileSync(path.join(dir, 'report.html'), htmlReport(run.history, run.result, facts));
  fs.writeFileSync(path.join(dir, 'explanation.txt'), `${explain(run.result, run.history, { duplicates: 20 })}\n`);
  if (!run.clean) {
    // The evidence: the brokers' logs as the run left them, for a repro or a post-mortem.
    for (const broker of cluster.brokers) fs.cpSync(broker.dataDir, path.join(dir, 'data', `broker-${broker.id}`), { recursive: true });
  }
}

function count(history: HistoryRecorder, outcome: 'acked' | 'failed' | 'unknown'): number {
  return history.events.filter((event) => event.type === 'send' && event.outcome === outcome).length;
}

/** "4312 acked, 2 unknown, 5120 polled": the progress line's tail. */
function progress(history: HistoryRecorder): string {
  let acked = 0;
  let failed = 0;
  let unknown = 0;
  let polled = 0;
  for (const event of history.events) {
    if (event.type === 'send') {
      if (event.outcome === 'acked') acked++;
      else if (event.outcome === 'failed') failed++;
      else unknown++;
    } else if (event.type === 'poll') polled += event.records.length;
  }
  return `${acked} acked, ${failed} failed, ${unknown} unknown, ${polled} polled`;
}

/** Polls a condition until it holds, or fails with `what` after `ms`. */
async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`${what} within ${ms / 1000} s, and did not`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
