// Words for the checker's verdict: the counts on one line, and for each anomaly its offsets and
// the history around it (the sends, polls, rebalances and faults that touched its partition just
// before and after), so a student can see what happened without opening history.json.
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind, type CheckResult } from './checker.ts';
import type { History, HistoryEvent } from './history.ts';

/** Events shown on each side of an anomaly's own events. */
const AROUND = 4;
/** Anomalies of one kind explained in full; the rest are counted. */
const EXPLAINED_PER_KIND = 5;
const LINE_WIDTH = 150;

const TITLES: Record<AnomalyKind, string> = {
  lost: 'Lost',
  'inconsistent-offset': 'Inconsistent offset',
  nonmonotonic: 'Nonmonotonic',
  skip: 'Skip',
  duplicate: 'Duplicate',
};

/** "5123 sends: 5100 acked, 3 failed, 20 unknown · 6012 polled · 5140 read · lost 0 · …". */
export function countsLine(result: CheckResult): string {
  const { counts } = result;
  return [
    `${counts.sends} sends: ${counts.acked} acked, ${counts.failed} failed, ${counts.unknown} unknown`,
    `${counts.polled} polled, ${counts.rebalances} rebalances`,
    `${counts.read} read back`,
    `lost ${counts.lost}, inconsistent offset ${counts.inconsistentOffset}, nonmonotonic ${counts.nonmonotonic}, skip ${counts.skip}`,
    `duplicate ${counts.duplicate} (expected with retries)`,
  ].join(' · ');
}

/** Every anomaly of the fatal kinds explained (a few per kind), then the duplicates in brief, then the notes. */
export function explain(result: CheckResult, history: History, { duplicates = 3 }: { duplicates?: number } = {}): string {
  const out: string[] = [];
  for (const kind of ANOMALY_KINDS) {
    const found = result.anomalies[kind];
    if (found.length === 0) continue;
    const shown = kind === 'duplicate' ? duplicates : EXPLAINED_PER_KIND;
    out.push(`${TITLES[kind]}: ${found.length}${kind === 'duplicate' ? ' (expected: a producer without idempotence writes a retried batch again)' : ''}`);
    for (const anomaly of found.slice(0, shown)) out.push(explainAnomaly(anomaly, history), '');
    if (found.length > shown) out.push(`  … and ${found.length - shown} more (all of them are in the history file)`, '');
  }
  for (const note of result.notes.slice(0, 10)) out.push(`Note: ${note}`);
  if (result.notes.length > 10) out.push(`… and ${result.notes.length - 10} more notes`);
  return out.join('\n').trimEnd();
}

/** One anomaly: what it is, its offsets, and the events of its partition around it. */
export function explainAnomaly(anomaly: Anomaly, history: History): string {
  const lines = [`  ${anomaly.kind} in partition ${anomaly.partition}, offsets ${anomaly.offsets.join(', ') || '?'}: ${anomaly.message}`, '    history around it:'];
  for (const index of around(anomaly, history)) {
    const event = history.events[index]!;
    const mark = anomaly.events.includes(index) ? '>' : ' ';
    lines.push(`    ${mark} ${clip(describe(event, anomaly))}`);
  }
  return lines.join('\n');
}

/** Whether an event bears on the anomaly: its partition's sends and polls, its consumer's rebalances, the faults. */
function concerns(event: HistoryEvent, anomaly: Anomaly, topic: string): boolean {
  switch (event.type) {
    case 'send':
    case 'final-read':
      return event.partition === anomaly.partition;
    case 'poll':
      return event.records.some((record) => record.partition === anomaly.partition);
    case 'rebalance':
    case 'note':
      // A consumer's own story bears on its nonmonotonic or skip; the other consumers' is noise.
      return event.process === anomaly.process || event.process === 'nemesis';
    case 'nemesis':
      // Every fault matters (any broker may hold the partition), but only this partition's elections.
      return event.action !== 'elected' || event.detail.startsWith(`${topic}-${anomaly.partition}:`) || event.detail.startsWith(`${topic}-${anomaly.partition} `);
  }
}

/** The anomaly's own events, with AROUND events that concern it on either side of each, in history order. */
function around(anomaly: Anomaly, history: History): number[] {
  const picked = new Set<number>();
  for (const anchor of anomaly.events) {
    picked.add(anchor);
    // Final reads come after the run: the events before them are the run's last, not the anomaly's.
    if (history.events[anchor]?.type === 'final-read') continue;
    for (const step of [-1, 1]) {
      let taken = 0;
      for (let index = anchor + step; index >= 0 && index < history.events.length && taken < AROUND; index += step) {
        const event = history.events[index]!;
        if (event.type === 'final-read' || !concerns(event, anomaly, history.topic)) continue;
        picked.add(index);
        taken++;
      }
    }
  }
  return [...picked].sort((a, b) => a - b);
}

/** "#812 +12.345s producer-1 send p2 p1-400 → acked at 57". */
export function describe(event: HistoryEvent, anomaly?: Anomaly): string {
  const head = `#${event.index} +${(event.time / 1000).toFixed(3)}s`;
  switch (event.type) {
    case 'send': {
      const how = event.outcome === 'acked' ? `acked at ${event.offset}` : `${event.outcome}${event.error ? `: ${event.error}` : ''}`;
      return `${head} ${event.process} send p${event.partition} ${event.value} → ${how}`;
    }
    case 'poll': {
      const partition = anomaly?.partition;
      const records = partition === undefined ? event.records : event.records.filter((record) => record.partition === partition);
      const rest = event.records.length - records.length;
      return `${head} ${event.process} poll ${records.map((record) => `p${record.partition}@${record.offset}=${record.value}`).join(' ')}${rest > 0 ? ` (+${rest} of other partitions)` : ''}`;
    }
    case 'rebalance':
      return `${head} ${event.process} rebalance: ${event.detail}`;
    case 'nemesis':
      return `${head} nemesis ${event.action}${event.broker ? ` broker ${event.broker}` : ''}: ${event.detail}`;
    case 'note':
      return `${head} ${event.process}: ${event.detail}`;
    case 'final-read': {
      const first = event.records[0]?.offset;
      const last = event.records.at(-1)?.offset;
      const at = (anomaly?.offsets ?? []).map((offset) => `${offset}=${event.records.find((record) => record.offset === offset)?.value ?? '(nothing)'}`);
      return `${head} final read of p${event.partition} from ${event.source}: ${event.records.length} records${first === undefined ? '' : `, offsets ${first} to ${last}`}${at.length ? `; at ${at.join(' ')}` : ''}`;
    }
  }
}

function clip(line: string): string {
  return line.length <= LINE_WIDTH ? line : `${line.slice(0, LINE_WIDTH - 1)}…`;
}
