// What a benchmark run prints: every figure with its share of the machine's limit, then the
// targets the workshop holds itself to, each met or missed.
import { bytesPerSecond } from './limits.ts';
import { PARTITIONS, kib, ms, type Results } from './run.ts';
import { recordsPerSecond, valueBytesPerSecond, type Throughput } from './workload.ts';

/** The slower of the two limits: a broker both receives over TCP and appends to a file. */
export const limitOf = (results: Results) => Math.min(bytesPerSecond(results.limits.loopback), bytesPerSecond(results.limits.fileAppend));

const mb = (bytesPerSecond: number) => (bytesPerSecond / 1e6).toFixed(1);
const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
const percent = (fraction: number) => `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)} %`;

/** One line per figure: records/s, MB/s of record values, and that as a share of the limit. */
export function table(results: Results): string {
  const limit = limitOf(results);
  const lines = [`${'measurement'.padEnd(52)} ${'records/s'.padStart(11)} ${'MB/s'.padStart(8)} ${'of limit'.padStart(9)}`];
  const raw = (label: string, bytes: number) => lines.push(`${label.padEnd(52)} ${''.padStart(11)} ${mb(bytes).padStart(8)} ${percent(bytes / limit).padStart(9)}`);
  const row = (label: string, run: Throughput) =>
    lines.push(`${label.padEnd(52)} ${perSecond(recordsPerSecond(run)).padStart(11)} ${mb(valueBytesPerSecond(run)).padStart(8)} ${percent(valueBytesPerSecond(run) / limit).padStart(9)}`);
  raw('raw loopback TCP, 16 KiB writes', bytesPerSecond(results.limits.loopback));
  raw('raw file append, 16 KiB writes + fsync', bytesPerSecond(results.limits.fileAppend));
  row('one record per request', results.oneAtATime);
  for (const { batchSize, lingerMs, run } of results.sweep) row(`batchSize ${kib(batchSize)}, lingerMs ${lingerMs}`, run);
  for (const { acks, replicationFactor, minInsyncReplicas, run } of results.acks) {
    row(`acks=${acks}, RF ${replicationFactor}${replicationFactor > 1 ? `, min ISR ${minInsyncReplicas}` : ''}`, run);
  }
  row('consumer, reading back acks=1 RF 1', results.consumer);
  row('1 KiB records, acks=1, RF 1', results.oneKiB);
  for (const client of results.clients) {
    if (client.run) row(`client: ${client.client}`, client.run);
    else lines.push(`${`client: ${client.client}`.padEnd(52)} not measured: ${client.skipped}`);
  }
  lines.push('', `${'end-to-end latency at a fixed rate'.padEnd(40)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'p99.9'.padStart(9)} ${'max'.padStart(9)}`);
  for (const point of results.latency) {
    lines.push(`${`${percent(point.fraction)} of the maximum: ${perSecond(point.rate)}/s`.padEnd(40)} ${ms(point.p50).padStart(9)} ${ms(point.p99).padStart(9)} ${ms(point.p999).padStart(9)} ${ms(point.max).padStart(9)}${point.received < point.sent ? `  (${point.sent - point.received} of ${point.sent} never arrived)` : ''}`);
  }
  lines.push('', `Records of 100 bytes unless said; ${PARTITIONS} partitions on 3 brokers; MB/s counts record values only (1 MB = 10^6 bytes); the limit is the slower of loopback TCP and file append.`);
  return lines.join('\n');
}

export interface Target {
  what: string;
  measured: string;
  /** null: not measured in this run (a client that could not run, say). */
  met: boolean | null;
}

/** The targets the issue that asked for this benchmark set, each against what this run measured. */
export function targets(results: Results): Target[] {
  const rate = (acks: 0 | 1 | 'all', replicationFactor: number) => {
    const row = results.acks.find((candidate) => candidate.acks === acks && candidate.replicationFactor === replicationFactor);
    return row ? recordsPerSecond(row.run) : Number.NaN;
  };
  const producer = rate(1, 1);
  const consumer = recordsPerSecond(results.consumer);
  const oneKiB = valueBytesPerSecond(results.oneKiB) / limitOf(results);
  const replicated = rate('all', 3) / producer;
  const ours = results.clients.find((client) => client.client.startsWith('workshop'))?.run;
  // The JavaScript clients are the fair comparison; kcat (C) is there to show the broker's own headroom.
  const others = results.clients.filter((client) => !client.client.startsWith('workshop') && !client.client.startsWith('kcat'));
  const half = results.latency.find((point) => point.fraction === 0.5);
  const list: Target[] = [
    { what: 'producer, 100-byte records, acks=1, RF 1: at least 500,000 records/s', measured: `${perSecond(producer)} records/s`, met: producer >= 500_000 },
    { what: 'the consumer at least as fast as the producer', measured: `${perSecond(consumer)} against ${perSecond(producer)} records/s`, met: consumer >= producer },
    { what: '1 KiB records at 40 % or more of the limit', measured: percent(oneKiB), met: oneKiB >= 0.4 },
    { what: 'RF 3 acks=all at 40 % or more of RF 1 acks=1', measured: percent(replicated), met: replicated >= 0.4 },
  ];
  for (const other of others) {
    list.push({
      what: `the workshop's producer at least as fast as ${other.client}`,
      measured: ours && other.run ? `${perSecond(recordsPerSecond(ours))} against ${perSecond(recordsPerSecond(other.run))} records/s` : `not measured (${other.skipped ?? 'no workshop figure'})`,
      met: ours && other.run ? recordsPerSecond(ours) >= recordsPerSecond(other.run) : null,
    });
  }
  if (half) list.push({ what: 'end-to-end p99 at most 10 ms at half the maximum rate', measured: ms(half.p99), met: half.p99 <= 10 });
  return list;
}

export function targetLines(results: Results): string {
  return targets(results)
    .map((target) => `${verdict(target).padEnd(12)}  ${target.what}: ${target.measured}`)
    .join('\n');
}

/** The same figures as a Markdown page (results.md beside the charts), with when and where they were measured. */
export function markdown(results: Results, charts: string[]): string {
  const { machine } = results;
  const lines = [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench\`${results.size === 'full' ? '' : ` (${results.size})`} on ${results.date.slice(0, 10)}: ${results.code}; ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}; load average ${machine.loadAverage} when it began.`,
    'A controller and three brokers as processes on this one machine, beside the clients. Run it on yours: the figures depend on the machine and on what else runs on it.',
    '',
    '```',
    table(results),
    '```',
    '',
    '## Targets',
    '',
    ...targets(results).map((target) => `- **${verdict(target)}**: ${target.what}: ${target.measured}`),
    '',
    '## Charts',
    '',
    ...charts.map((chart) => `![${chart}](${chart})`),
    '',
  ];
  return lines.join('\n');
}

const verdict = (target: Target) => (target.met === null ? 'not measured' : target.met ? 'met' : 'missed');
