// The four charts a run draws, as SVG files: throughput by batch size and linger, acks by
// replication factor, latency percentiles at fixed rates, and the clients side by side.
import fs from 'node:fs';
import path from 'node:path';
import { PARTITIONS, kib, type Results } from './run.ts';
import { barChart } from './svg-chart.ts';
import { recordsPerSecond } from './workload.ts';

/** The charts' file names, in the order the decks show them. */
export const CHART_FILES = ['batching.svg', 'acks-replication.svg', 'latency.svg', 'clients.svg'] as const;

/** Writes every chart into `dir` and returns their paths. */
export function writeCharts(results: Results, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const day = results.date.slice(0, 10);
  const machine = `${results.machine.cpus} cores, Node ${results.machine.node}`;
  const made = `${results.code}, ${day}, ${machine}`;
  const oneRecord = recordsPerSecond(results.oneAtATime);
  const charts: Record<(typeof CHART_FILES)[number], string> = {
    'batching.svg': barChart({
      title: 'Batching: records/s by batchSize and lingerMs',
      subtitle: [`100-byte records, acks=1, ${PARTITIONS} partitions, 1 replica.`, made],
      unit: 'records/s',
      groups: [
        { label: '1 record per request', bars: [{ series: 'send, wait, send', value: oneRecord }] },
        ...[...new Set(results.sweep.map((point) => point.batchSize))].map((batchSize) => ({
          label: `batchSize ${kib(batchSize)}`,
          bars: results.sweep.filter((point) => point.batchSize === batchSize).map((point) => ({ series: `lingerMs ${point.lingerMs}`, value: recordsPerSecond(point.run) })),
        })),
      ],
    }),
    'acks-replication.svg': barChart({
      title: 'What acks and replication cost: records/s',
      subtitle: [`100-byte records, batchSize 64 KiB, lingerMs 5, min ISR 2 with RF 3.`, made],
      unit: 'records/s',
      groups: [1, 3].map((replicationFactor) => ({
        label: `replication factor ${replicationFactor}`,
        bars: results.acks.filter((row) => row.replicationFactor === replicationFactor).map((row) => ({ series: `acks=${row.acks}`, value: recordsPerSecond(row.run) })),
      })),
    }),
    'latency.svg': barChart({
      title: 'End-to-end latency, produce to consume',
      subtitle: [`A send schedule fixed in advance (no coordinated omission); acks=1, RF 1, ${PARTITIONS} partitions, lingerMs 0.`, made],
      unit: 'from scheduled send to arrival (log scale)',
      groups: results.latency.map((point) => ({
        label: `${Math.round(point.fraction * 100)} % of max (${Math.round(point.rate).toLocaleString('en-US')}/s)`,
        bars: [
          { series: 'p50', value: point.p50 },
          { series: 'p99', value: point.p99 },
          { series: 'p99.9', value: point.p999 },
        ],
      })),
      reference: { value: 10, label: 'target: p99 ≤ 10 ms at half the maximum' },
      logScale: true,
      format: (ms) => (ms >= 1000 ? `${Number((ms / 1000).toPrecision(3))} s` : `${Number(ms.toPrecision(3))} ms`),
    }),
    'clients.svg': barChart({
      title: 'Clients producing to the same cluster: records/s',
      subtitle: [`100-byte records, acks=1, ${PARTITIONS} partitions, 1 replica.`, made],
      unit: 'records/s',
      groups: results.clients.filter((client) => client.run).map((client) => ({ label: client.client, bars: [{ series: client.client, value: recordsPerSecond(client.run!) }] })),
    }),
  };
  return CHART_FILES.map((name) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, charts[name]);
    return file;
  });
}
