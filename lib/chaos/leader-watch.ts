// Every change of leader during a run, as the controller tells it: the elections the nemesis
// caused, and the ones it did not (the preferred replica taking its partitions back, a broker
// fenced because a busy machine delayed its heartbeats). They go into the history, so the report's
// timeline and the history around an anomaly show who led when.
import type { ClusterView } from './cluster-view.ts';
import type { HistoryRecorder } from './history.ts';
import type { PartitionInfo } from '../step-api.ts';

/** How often the controller is asked. */
const EVERY_MS = 250;

export class LeaderWatch {
  private timer: NodeJS.Timeout | null = null;
  private last = new Map<number, PartitionInfo>();
  private asking: Promise<void> | null = null;

  constructor(
    private readonly view: ClusterView,
    private readonly history: HistoryRecorder,
  ) {}

  /** Starts watching from the partitions as they are now (their leaders are not recorded as changes). */
  start(now: PartitionInfo[]): void {
    this.last = new Map(now.map((partition) => [partition.partition, partition]));
    this.timer = setInterval(() => {
      this.asking ??= this.look().finally(() => (this.asking = null));
    }, EVERY_MS);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.asking;
  }

  /** Asks once, and records each partition whose leader or leader epoch moved. */
  async look(): Promise<void> {
    let partitions: PartitionInfo[];
    try {
      partitions = await this.view.partitions();
    } catch {
      return; // the next tick asks again
    }
    for (const now of partitions) {
      const before = this.last.get(now.partition);
      this.last.set(now.partition, now);
      if (!before || (before.leader === now.leader && before.leaderEpoch === now.leaderEpoch)) continue;
      const name = `${this.view.topic}-${now.partition}`;
      const epoch = now.leaderEpoch === undefined ? '' : ` in epoch ${now.leaderEpoch}`;
      const detail = now.leader < 0 ? `${name} has no leader (was broker ${before.leader}), ISR [${now.isr.join(',')}]` : `${name}: broker ${now.leader} leads${epoch} (was broker ${before.leader}), ISR [${now.isr.join(',')}]`;
      this.history.record({ type: 'nemesis', action: 'elected', broker: Math.max(0, now.leader), detail });
    }
  }
}
