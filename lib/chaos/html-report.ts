// A small self-contained HTML page for a chaos run (no script, no CDN: it opens offline): the
// verdict and counts, a timeline with one lane per broker (down after a kill, paused, elections),
// the acknowledged writes per second under it, and each anomaly explained.
import type { CheckResult } from './checker.ts';
import { countsLine, explain } from './explain.ts';
import type { History, HistoryEvent, NemesisEvent } from './history.ts';

export interface ReportFacts {
  title: string;
  /** "solutions/09-kafka-protocol/src" */
  source: string;
  seed: number;
  kills: number;
  /** The command that replays the run. */
  replay: string;
  durationMs: number;
  brokers: number[];
  /** Lines about the run worth keeping (not healed, short reads). */
  notes: string[];
}

const WIDTH = 1000;
const LANE = 26;
const LEFT = 80;

export function htmlReport(history: History, result: CheckResult, facts: ReportFacts): string {
  const end = Math.max(1, ...history.events.map((event) => event.time));
  const x = (time: number) => LEFT + ((WIDTH - LEFT - 10) * time) / end;
  const nemesis = history.events.filter((event): event is HistoryEvent & NemesisEvent => event.type === 'nemesis');
  const shapes: string[] = [];
  // The controller gets a lane of its own when it was killed (kill-controller); it is "broker" 0 in the history.
  const lanes = nemesis.some((event) => event.action === 'kill' && event.broker === 0) ? [0, ...facts.brokers] : facts.brokers;
  // A tick every 10 s (every minute on a long run) along the top.
  const tickMs = end > 300_000 ? 60_000 : 10_000;
  for (let time = 0; time <= end; time += tickMs) {
    shapes.push(`<line class="tick" x1="${x(time).toFixed(1)}" x2="${x(time).toFixed(1)}" y1="12" y2="${18 + lanes.length * LANE}"/><text class="tick" x="${(x(time) + 2).toFixed(1)}" y="10">${time / 1000} s</text>`);
  }
  lanes.forEach((broker, lane) => {
    const y = 16 + lane * LANE;
    shapes.push(`<text x="4" y="${y + 15}">${broker === 0 ? 'controller' : `broker ${broker}`}</text>`, `<line x1="${LEFT}" x2="${WIDTH - 10}" y1="${y + 11}" y2="${y + 11}" class="alive"/>`);
    // Down from a kill to its restart, paused from SIGSTOP to SIGCONT.
    for (const [from, to, kind] of [['kill', 'restart', 'down'], ['pause', 'resume', 'paused']] as const) {
      let since: (HistoryEvent & NemesisEvent) | null = null;
      for (const event of nemesis.filter((candidate) => candidate.broker === broker)) {
        if (event.action === from) since = event;
        if (event.action === to && since) {
          shapes.push(`<rect class="${kind}" x="${x(since.time).toFixed(1)}" y="${y + 3}" width="${Math.max(2, x(event.time) - x(since.time)).toFixed(1)}" height="16"><title>${escape(`${since.detail} → ${event.detail}`)}</title></rect>`);
          since = null;
        }
      }
    }
    for (const event of nemesis.filter((candidate) => candidate.action === 'elected' && candidate.broker === broker && broker !== 0)) {
      shapes.push(`<circle class="elected" cx="${x(event.time).toFixed(1)}" cy="${y + 11}" r="4"><title>${escape(`+${(event.time / 1000).toFixed(1)} s ${event.detail}`)}</title></circle>`);
    }
  });
  // Acknowledged writes per second, as bars under the lanes: they dip while a partition has no leader.
  const top = 20 + lanes.length * LANE + 10;
  const buckets = new Array<number>(Math.ceil(end / 1000) + 1).fill(0);
  for (const event of history.events) if (event.type === 'send' && event.outcome === 'acked') buckets[Math.floor(event.time / 1000)]! += 1;
  const most = Math.max(1, ...buckets);
  buckets.forEach((count, second) => {
    const height = (40 * count) / most;
    shapes.push(`<rect class="acked" x="${x(second * 1000).toFixed(1)}" y="${(top + 40 - height).toFixed(1)}" width="${Math.max(1, x(1000) - x(0) - 0.5).toFixed(1)}" height="${height.toFixed(1)}"><title>${count} acked in second ${second}</title></rect>`);
  });
  shapes.push(`<text x="4" y="${top + 30}">acked/s</text>`);
  const height = top + 60;
  const verdict = result.valid ? '<p class="ok">No lost, inconsistent, nonmonotonic or skipped record.</p>' : '<p class="bad">Anomalies found: see below.</p>';
  const rows = Object.entries(result.counts).map(([name, count]) => `<tr><td>${escape(name)}</td><td>${count}</td></tr>`).join('');
  const explained = explain(result, history);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(facts.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
svg text { font: 12px system-ui, sans-serif; }
.alive { stroke: #9c9; stroke-width: 3; } .down { fill: #d33; } .paused { fill: #e90; } .elected { fill: #36c; } .acked { fill: #8a8; } line.tick { stroke: #ddd; } text.tick { fill: #888; font-size: 10px; }
.ok { color: #080; font-weight: bold; } .bad { color: #c00; font-weight: bold; }
table { border-collapse: collapse; } td { padding: 2px 12px 2px 0; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
</style></head><body>
<h1>${escape(facts.title)}</h1>
<p>${escape(facts.source)} · seed ${facts.seed} (replay: <code>${escape(facts.replay)}</code>) · ${facts.kills} faults · ${(facts.durationMs / 1000).toFixed(0)} s</p>
${verdict}
<p>${escape(countsLine(result))}</p>
<h2>Timeline</h2>
<p>Red: killed (SIGKILL) until restarted. Orange: paused (SIGSTOP) until SIGCONT. Blue dot: the broker became a partition's leader. Green bars: writes acknowledged per second. Hover for details.</p>
<svg width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg">${shapes.join('')}</svg>
<h2>Counts</h2><table>${rows}</table>
${explained ? `<h2>Anomalies and notes</h2><pre>${escape(explained)}</pre>` : ''}
${facts.notes.length ? `<h2>About the run</h2><ul>${facts.notes.map((note) => `<li>${escape(note)}</li>`).join('')}</ul>` : ''}
<h2>Faults</h2><pre>${escape(nemesis.map((event) => `+${(event.time / 1000).toFixed(1).padStart(7)} s  ${event.action.padEnd(8)}${event.broker ? `broker ${event.broker}  ` : ''}${event.detail}`).join('\n'))}</pre>
</body></html>
`;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);
}
