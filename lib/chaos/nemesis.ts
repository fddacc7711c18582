// The nemesis: Jepsen's name for the part of a test that breaks things. Each round it picks a
// partition and, with a seeded PRNG, one fault:
//
//   kill-leader      kill -9 the broker that leads it; the controller must elect another in-sync
//                    replica, and the clients must find it. Restarted a moment later, the old
//                    leader must truncate whatever the new leader never had.
//   pause-leader     SIGSTOP, then SIGCONT: a broker alive but silent. Paused longer than the
//                    broker session timeout, it is fenced and wakes up as a zombie that still
//                    believes it leads, and must not get a write acknowledged.
//   kill-follower    kill -9 a replica that does not lead: the ISR shrinks, writes go on with
//                    min.insync.replicas, and the follower must catch up when it returns.
//   kill-new-leader  aims at the way back into the ISR (step 08's epoch-start rule, KAFKA-7128): a
//                    follower C is paused until it is fenced out of the ISR, while the other
//                    follower B is paused briefly so that it misses the high watermark that the
//                    leader A moves without C; A is killed, and B is elected knowing only a stale
//                    high watermark. C comes back behind it, and B is killed the moment the
//                    controller lists C in sync again: C is elected, and must have every record
//                    acknowledged. (On one machine the last step's window, a fetch answer in flight,
//                    is only milliseconds wide: test/rejoin.test.ts in step 08 builds it exactly.)
//
// Two harsher ones, not in the default mix (`--faults` adds them):
//
//   kill-two         kill -9 the leader and a follower at once: one replica of three is left, below
//                    min.insync.replicas 2, so acks=all writes must stall (not be acknowledged)
//                    until one returns; they come back one after the other.
//   kill-controller  kill -9 the controller: leaders keep serving, nobody can be elected until it
//                    is back, replays its metadata log and takes the brokers' heartbeats again.
//
// After each fault it waits for the cluster to heal (every replica back in its ISR) before the
// next, so a run of N faults is N separate stories, each told in the history. With `heal: false`
// (`--no-heal`) it waits only for every partition to have a leader: the next fault may strike
// while a restarted broker is still catching up, as faults do in production.
import type { ClusterProcess } from '../testing/cluster-process.ts';
import { everyPartitionLed, healthy, type ClusterView } from './cluster-view.ts';
import type { HistoryRecorder, NemesisEvent } from './history.ts';
import type { Prng } from './prng.ts';
import type { PartitionInfo } from '../step-api.ts';

export const FAULT_KINDS = ['kill-leader', 'pause-leader', 'kill-follower', 'kill-new-leader', 'kill-two', 'kill-controller'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How often each fault comes, relative to the others: the issue's mix is mostly leader kills. */
export const FAULT_WEIGHTS: Record<FaultKind, number> = { 'kill-leader': 3, 'pause-leader': 1, 'kill-follower': 1, 'kill-new-leader': 1, 'kill-two': 1, 'kill-controller': 1 };
export const DEFAULT_FAULTS: readonly FaultKind[] = ['kill-leader', 'pause-leader', 'kill-follower', 'kill-new-leader'];

export interface NemesisSettings {
  /** The faults to pick from, each as often as FAULT_WEIGHTS says. */
  faults: readonly FaultKind[];
  /** Wait for every replica to be back in its ISR after a fault, before the next (true); false waits only for leaders. */
  heal: boolean;
  /** How long the controller may take to elect new leaders after a kill (a broker is fenced after the session timeout). */
  electionMs: number;
  /** How long the cluster may take to heal after a restart or resume: the broker loads, registers and catches up. */
  healMs: number;
  /** A killed process stays down this long (ms, from-to) before it is restarted. */
  downMs: [number, number];
  /** A paused broker stays paused this long: around the session timeout, so some pauses get it fenced and some do not. */
  pauseMs: [number, number];
  /** Calm between the end of one fault and the next, while the clients go on. */
  calmMs: [number, number];
  /** The controller's broker.session.timeout.ms: kill-new-leader pauses a follower for less, so that it is not fenced. */
  sessionTimeoutMs: number;
}

export const NEMESIS_DEFAULTS: NemesisSettings = { faults: DEFAULT_FAULTS, heal: true, electionMs: 20_000, healMs: 60_000, downMs: [500, 3_000], pauseMs: [500, 4_000], calmMs: [300, 1_500], sessionTimeoutMs: 1_500 };

/** One round's decisions, all drawn up front so that a seed gives the same sequence whatever the cluster does. */
interface Plan {
  kind: FaultKind;
  partition: number;
  /** Which follower, as an index into the followers (modulo their count); its parity also orders the restarts of kill-two. */
  follower: number;
  durationMs: number;
  calmMs: number;
}

export interface RoundReport {
  kind: FaultKind;
  /** The brokers it struck (none for kill-controller). */
  brokers: number[];
  /** Partitions that got a new leader, with how long it took. */
  elected: Array<{ partition: number; leader: number; ms: number }>;
  /** How long the cluster took to heal after the broker came back (null: it did not within healMs). */
  healedMs: number | null;
  /** A sentence for the progress line. */
  summary: string;
}

export class Nemesis {
  private readonly settings: NemesisSettings;

  constructor(
    private readonly cluster: ClusterProcess,
    private readonly view: ClusterView,
    private readonly prng: Prng,
    private readonly history: HistoryRecorder,
    settings: Partial<NemesisSettings> = {},
  ) {
    this.settings = { ...NEMESIS_DEFAULTS, ...settings };
    if (this.settings.faults.length === 0) throw new Error('the nemesis needs at least one fault to pick from');
  }

  private plan(partitions: number): Plan {
    const { faults } = this.settings;
    const total = faults.reduce((sum, kind) => sum + FAULT_WEIGHTS[kind], 0);
    let roll = this.prng.next() * total;
    const kind = faults.find((candidate) => (roll -= FAULT_WEIGHTS[candidate]) < 0) ?? faults.at(-1)!;
    const partition = this.prng.int(0, partitions - 1);
    const follower = this.prng.int(0, 1);
    const durationMs = kind === 'pause-leader' ? this.prng.int(...this.settings.pauseMs) : this.prng.int(...this.settings.downMs);
    return { kind, partition, follower, durationMs, calmMs: this.prng.int(...this.settings.calmMs) };
  }

  /** One fault, its healing and the calm after it. */
  async round(): Promise<RoundReport> {
    const before = this.settings.heal
      ? await this.view.waitFor(healthy, this.settings.healMs, 'every partition should have a leader and its whole ISR before a fault')
      : await this.view.waitFor(everyPartitionLed, this.settings.healMs, 'every partition should have a leader before a fault');
    const plan = this.plan(before.length);
    const target = before[plan.partition]!;
    const followers = target.replicas.filter((replica) => replica !== target.leader);
    const follower = followers[plan.follower % followers.length]!;
    const other = followers.find((replica) => replica !== follower) ?? follower;
    const victims =
      plan.kind === 'kill-controller' ? []
      : plan.kind === 'kill-follower' ? [follower]
      : plan.kind === 'kill-two' ? [target.leader, follower]
      : plan.kind === 'kill-new-leader' ? [target.leader, other]
      : [target.leader];
    const led = before.filter((partition) => victims.includes(partition.leader));
    const role =
      plan.kind === 'kill-controller' ? 'the controller'
      : plan.kind === 'kill-follower' ? `a follower of ${this.name(target)}`
      : plan.kind === 'kill-two' ? `the leader and a follower of ${this.name(target)}`
      : plan.kind === 'kill-new-leader' ? `the leader of ${this.name(target)}, then the follower elected after it`
      : `the leader of ${this.name(target)}`;
    const leads = led.length > 0 ? ` (${victims.length > 1 ? 'they lead' : 'it leads'} ${led.map((partition) => this.name(partition)).join(', ')})` : '';
    const who = victims.length === 0 ? 'the controller' : `broker${victims.length > 1 ? 's' : ''} ${victims.join(' and ')}`;

    const faultAt = Date.now();
    let elected: RoundReport['elected'] = [];
    if (plan.kind === 'pause-leader') {
      const broker = victims[0]!;
      await this.cluster.pause(broker);
      this.note('pause', broker, `SIGSTOP to ${role}${leads}, for ${plan.durationMs} ms`);
      await this.pace(plan.durationMs);
      await this.cluster.resume(broker);
      this.note('resume', broker, `SIGCONT after ${plan.durationMs} ms`);
      // A pause past the session timeout got it fenced: say who leads now.
      elected = this.newLeaders(led, await this.view.partitions(), faultAt);
    } else if (plan.kind === 'kill-new-leader') {
      elected = await this.killNewLeader(target, follower, other, plan.durationMs, faultAt);
    } else if (plan.kind === 'kill-controller') {
      await this.cluster.killController('SIGKILL');
      this.note('kill', 0, `SIGKILL to the controller: leaders keep serving, nobody can be elected until it is back`);
      await this.pace(plan.durationMs);
      await this.cluster.restartController();
      this.note('restart', 0, `the controller started again after ${plan.durationMs} ms down, with its metadata log`);
    } else {
      await Promise.all(victims.map((broker) => this.cluster.kill(broker, 'SIGKILL')));
      for (const broker of victims) this.note('kill', broker, `SIGKILL to ${role}${leads}`);
      if (led.length > 0) {
        const after = await this.view.waitFor(
          (now) => led.every((old) => !victims.includes(now[old.partition]?.leader ?? -1) && (now[old.partition]?.leader ?? -1) >= 0),
          this.settings.electionMs,
          `with ${who} gone, the controller should elect new leaders for ${led.map((partition) => this.name(partition)).join(', ')}`,
        );
        elected = this.newLeaders(led, after, faultAt);
      }
      await this.pace(plan.durationMs);
      // kill-two: the follower first or the leader first, as the seed says.
      const order = plan.follower % 2 === 0 ? victims : [...victims].reverse();
      for (const broker of order) {
        await this.cluster.restart(broker);
        this.note('restart', broker, `started again after ${Date.now() - faultAt} ms down, same port and data`);
      }
    }

    const backAt = Date.now();
    let healedMs: number | null = null;
    if (!this.settings.heal) {
      await this.pace(plan.calmMs);
      const verb = plan.kind === 'pause-leader' ? `paused broker ${victims[0]} for ${(plan.durationMs / 1000).toFixed(1)} s` : `killed ${who}`;
      return { kind: plan.kind, brokers: victims, elected, healedMs: 0, summary: `${verb}${plan.kind === 'kill-controller' ? '' : `, ${role}`}${this.elections(elected)}; back, not waiting for it to catch up` };
    }
    try {
      await this.view.waitFor(healthy, this.settings.healMs, `${who} should be back in every ISR`);
      healedMs = Date.now() - backAt;
      this.note('healed', 0, `every replica back in its ISR ${(healedMs / 1000).toFixed(1)} s after ${who} came back`);
    } catch (error) {
      this.note('healed', 0, `not healed: ${(error as Error).message}`);
    }
    await this.pace(plan.calmMs);

    const verb = plan.kind === 'pause-leader' ? `paused broker ${victims[0]} for ${(plan.durationMs / 1000).toFixed(1)} s` : `killed ${who}`;
    const heal = healedMs === null ? '; NOT healed' : `; healed in ${(healedMs / 1000).toFixed(1)} s`;
    const what = plan.kind === 'kill-controller' ? '' : `, ${role}`;
    return { kind: plan.kind, brokers: victims, elected, healedMs, summary: `${verb}${what}${this.elections(elected)}${heal}` };
  }

  /**
   * kill-new-leader on partition `target`, led by A, with followers `lagging` (C) and `next` (B):
   * the history of KAFKA-7128, step by step. Returns the elections it caused.
   */
  private async killNewLeader(target: PartitionInfo, lagging: number, next: number, downMs: number, faultAt: number): Promise<RoundReport['elected']> {
    const { partition } = target;
    const first = target.leader;
    const name = this.name(target);
    const isrOf = (now: PartitionInfo[]) => now[partition]?.isr ?? [];
    await this.cluster.pause(lagging);
    this.note('pause', lagging, `SIGSTOP to a follower of ${name}, until it is fenced out of the ISR`);
    // While C is still in the ISR the high watermark waits for it, so B's is where C stopped. B
    // is paused across C's fencing (for less than the session timeout): A then moves the high
    // watermark on with B alone, and B does not hear of it.
    await this.pace(this.settings.sessionTimeoutMs * 0.6);
    await this.cluster.pause(next);
    const bPausedAt = Date.now();
    this.note('pause', next, `SIGSTOP to the other follower of ${name}, so that it misses the next high watermark`);
    const out = await this.view
      .waitFor((now) => !isrOf(now).includes(lagging), this.settings.sessionTimeoutMs * 0.7, `broker ${lagging} should leave the ISR of ${name}`)
      .then(() => true, () => false);
    await this.cluster.kill(first, 'SIGKILL');
    this.note('kill', first, `SIGKILL to the leader of ${name}${out ? `, right after broker ${lagging} left its ISR` : ''}`);
    await this.cluster.resume(next);
    this.note('resume', next, `SIGCONT after ${Date.now() - bPausedAt} ms: it knows only the high watermark of before`);
    const led = await this.view.waitFor((now) => now[partition]?.leader === next || (now[partition]?.leader ?? -1) < 0, this.settings.electionMs, `with broker ${first} gone, broker ${next} should lead ${name}`);
    const elected = this.newLeaders([target], led, faultAt);
    await this.cluster.resume(lagging);
    this.note('resume', lagging, `SIGCONT: it comes back behind the new leader of ${name}`);
    if (led[partition]?.leader === next) {
      // The moment the controller counts C in sync again, its leader dies: C is elected next.
      await this.view.waitFor((now) => isrOf(now).includes(lagging), this.settings.healMs, `broker ${lagging} should rejoin the ISR of ${name}`);
      await this.cluster.kill(next, 'SIGKILL');
      this.note('kill', next, `SIGKILL to the new leader of ${name} as soon as broker ${lagging} is back in its ISR: broker ${lagging} must have every acknowledged record`);
      const after = await this.view.waitFor((now) => (now[partition]?.leader ?? -1) >= 0 && now[partition]?.leader !== next, this.settings.electionMs, `with broker ${next} gone, broker ${lagging} should lead ${name}`);
      elected.push(...this.newLeaders(led.filter((p) => p.partition === partition), after, faultAt));
    }
    await this.pace(downMs);
    for (const broker of [first, next]) {
      if (this.cluster.isRunning(broker)) continue;
      await this.cluster.restart(broker);
      this.note('restart', broker, `started again after ${Date.now() - faultAt} ms down, same port and data`);
    }
    return elected;
  }

  /** "; new leaders chaos-0→2 in 1.6 s, …" for the progress line. */
  private elections(elected: RoundReport['elected']): string {
    if (elected.length === 0) return '';
    return `; new leader${elected.length > 1 ? 's' : ''} ${elected.map((change) => `${this.name({ partition: change.partition })}→${change.leader} in ${(change.ms / 1000).toFixed(1)} s`).join(', ')}`;
  }

  /** Brings every broker back: resumes a paused one, restarts a dead one (after Ctrl-C or a failed round). */
  async healAll(): Promise<void> {
    if (!this.cluster.controllerProcess().isRunning()) {
      await this.cluster.restartController();
      this.note('restart', 0, 'the controller started again: the run is ending');
    }
    for (const { id } of this.cluster.brokers) {
      if (this.cluster.isPaused(id)) {
        await this.cluster.resume(id);
        this.note('resume', id, 'SIGCONT: the run is ending');
      } else if (!this.cluster.isRunning(id)) {
        await this.cluster.restart(id);
        this.note('restart', id, 'started again: the run is ending');
      }
    }
  }

  /** The partitions the broker led that now have another leader (the leader watch records them in the history). */
  private newLeaders(led: PartitionInfo[], now: PartitionInfo[], since: number): RoundReport['elected'] {
    const changes: RoundReport['elected'] = [];
    for (const old of led) {
      const current = now[old.partition];
      if (!current || current.leader === old.leader || current.leader < 0) continue;
      changes.push({ partition: old.partition, leader: current.leader, ms: Date.now() - since });
    }
    return changes;
  }

  private note(action: NemesisEvent['action'], broker: number, detail: string): void {
    this.history.record({ type: 'nemesis', action, broker, detail });
  }

  private name(partition: Pick<PartitionInfo, 'partition'>): string {
    return `${this.view.topic}-${partition.partition}`;
  }

  /** How long a fault lasts, or the calm after it: part of the schedule, not a wait for anything. */
  private pace(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
