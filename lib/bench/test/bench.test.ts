// The benchmark's harness, run for real on tiny sizes: the figures mean nothing at this size (and
// nothing here asserts a speed); what is checked is that every measurement ran against a real
// cluster, the table and targets are printed, and results.json and four well-formed charts are written.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/test/run-cli.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { CHART_FILES } from '../charts.ts';
import type { Results } from '../run.ts';
import { barChart, compact, niceTicks, powersOfTen } from '../svg-chart.ts';

const temp = useTempDirs('kfs-bench-test-');

/** Tags open and closed in order, every attribute quoted: enough to catch a chart that is not XML. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) expect(stack.pop(), `</${name}> closes the tag last opened`).toBe(name);
    else stack.push(name!);
  }
  expect(stack, 'every tag opened in the chart is closed').toEqual([]);
  expect(svg.replace(/<[^>]*>/g, ''), 'no stray < or unescaped & in the chart\'s text').not.toMatch(/<|&(?!amp;|lt;|gt;|quot;)/);
}

describe('charts', () => {
  it('axis ticks are round numbers from 0 past the largest value', () => {
    expect(niceTicks(43_309)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(niceTicks(7.3)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('a logarithmic axis has a tick at every power of ten from below the smallest value past the largest', () => {
    expect(powersOfTen(3.7, 3250)).toEqual([1, 10, 100, 1_000, 10_000]);
    expect(powersOfTen(0.4, 0.9)).toEqual([0.1, 1]);
  });

  it('values are written short', () => {
    expect([compact(1_234_567), compact(45_600), compact(12.54), compact(0)]).toEqual(['1.23M', '45.6k', '12.5', '0']);
  });

  it('a bar chart is well-formed SVG with one bar per value and its text escaped', () => {
    const svg = barChart({
      title: 'acks & <replication>',
      subtitle: ['a "quoted" line'],
      unit: 'records/s',
      groups: [
        { label: 'RF 1', bars: [{ series: 'acks=0', value: 3 }, { series: 'acks=1', value: 2 }] },
        { label: 'RF 3', bars: [{ series: 'acks=0', value: 1 }, { series: 'acks=1', value: 0.5 }] },
      ],
      reference: { value: 2.5, label: 'a limit' },
    });
    expectWellFormed(svg);
    expect(svg).toContain('acks &amp; &lt;replication&gt;');
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(4);
  });
});

describe('npm run bench -- --tiny', () => {
  it('measures every figure against a real cluster, prints the table and the targets, and writes results.json and the charts', async () => {
    const out = temp();
    const run = runCli(['bench', '--tiny', '--out', out]);
    const [{ code }] = await Promise.all([run.exited, run.closed]);
    const output = run.stdout();
    expect(code, `npm run bench -- --tiny failed:\n${output}\n${run.stderr()}`).toBe(0);

    for (const line of ['raw loopback TCP', 'raw file append', 'one record per request', 'batchSize 16 KiB, lingerMs 0', 'acks=all, RF 3, min ISR 2', 'consumer, reading back', '1 KiB records', 'client: workshop KafkaProducer', 'p99.9']) {
      expect(output, `the table has a row for "${line}"`).toContain(line);
    }
    expect(output).toMatch(/Targets\n(?:(?:met|missed|not measured) +.+\n)+/);

    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    const throughputs = [results.oneAtATime, ...results.sweep.map((point) => point.run), ...results.acks.map((row) => row.run), results.consumer, results.oneKiB];
    for (const run of throughputs) {
      expect(run.records).toBeGreaterThan(0);
      expect(run.seconds).toBeGreaterThan(0);
    }
    expect(results.acks.map((row) => `${row.acks}/${row.replicationFactor}`)).toEqual(['0/1', '1/1', 'all/1', '0/3', '1/3', 'all/3']);
    expect(results.limits.loopback.bytes).toBeGreaterThan(0);
    expect(results.limits.fileAppend.bytes).toBeGreaterThan(0);
    expect(results.latency).toHaveLength(3);
    for (const point of results.latency) {
      expect(point.received, `every record sent at ${point.rate}/s arrived at the consumer`).toBe(point.sent);
      expect(point.p50).toBeLessThanOrEqual(point.p99);
      expect(point.p99).toBeLessThanOrEqual(point.p999);
    }

    const page = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    expect(page).toContain('raw loopback TCP');
    for (const name of CHART_FILES) expect(page, `results.md shows ${name}`).toContain(`](${name})`);

    for (const name of CHART_FILES) {
      const svg = fs.readFileSync(path.join(out, name), 'utf8');
      expectWellFormed(svg);
      expect(svg, `${name} has bars`).toMatch(/<rect [^>]*height="[1-9]/);
    }
  }, 180_000);
});
