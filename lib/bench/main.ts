// `npm run bench [-- --quick] [--mine] [--step NN] [--out DIR]`: how fast the cluster built in
// the workshop is, measured on this machine against its own limits. Prints a table and the
// targets, and writes the results (results.json, results.md) and four SVG charts.
//
//   npm run bench                    the newest step's reference, full sizes (a few minutes);
//                                    charts into slides/assets/bench/, where the decks show them
//   npm run bench -- --quick         smaller sizes, under a minute; into .kfs/bench/
//   npm run bench -- --mine          your own code (the latest step you have edited); into .kfs/bench/mine/
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseCode } from '../cli/choose-source.ts';
import { sourceFlags } from '../cli/choose-source.ts';
import { UserError, colour } from '../output.ts';
import { ROOT, SLIDES_DIR, WORK_DIR } from '../paths.ts';
import type { ClusterProcess } from '../testing/cluster-process.ts';
import { writeCharts } from './charts.ts';
import { markdown, table, targetLines } from './report.ts';
import { runBenchmark, type Results, type Size } from './run.ts';
import { importStepApi } from '../step-api.ts';
import { has } from '../step-features.ts';
import { BENCH_NEEDS, type BenchApi } from './workload.ts';


const USAGE = `npm run bench [-- flags]: the cluster's throughput and latency against this machine's limits.
  --quick       smaller sizes: under a minute, noisier figures
  --mine        run your own code (the latest step you have edited, or --step NN)
  --step NN     run step NN's code (07 on; default: the newest step's reference)
  --out DIR     where results.json and the charts go (full runs of the reference: slides/assets/bench)
  --redraw      measure nothing: draw the charts and results.md again from the results.json already there`;

export async function benchCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const source = sourceFlags(args);
  const size: Size = source.rest.includes('--tiny') ? 'tiny' : source.rest.includes('--quick') ? 'quick' : 'full';
  const outAt = source.rest.indexOf('--out');
  const unknown = source.rest.filter((arg, i) => !['--tiny', '--quick', '--out', '--redraw'].includes(arg) && !(outAt >= 0 && i === outAt + 1));
  if (unknown.length > 0) throw new UserError(`npm run bench does not know ${unknown.join(' ')}.\n${USAGE}`);
  if (outAt >= 0 && !source.rest[outAt + 1]) throw new UserError('--out needs a directory: npm run bench -- --out /tmp/bench');

  const choice = chooseCode({ file: 'index.ts', what: 'benchmark', arrives: 'step 01' }, source);
  if (!has(choice.step.number, 'replication')) {
    throw new UserError(`The benchmark measures a replicated cluster, which arrives in step 07; ${choice.step.dir} has none yet. Try --step 07 or later.`);
  }
  const srcDir = path.dirname(choice.file);
  const stepName = `step ${String(choice.step.number).padStart(2, '0')}`;
  const code = choice.mine ? `your ${path.relative(ROOT, srcDir)}` : `${stepName} reference`;
  const out = outAt >= 0 ? path.resolve(source.rest[outAt + 1]!) : choice.mine ? path.join(WORK_DIR, 'bench', 'mine') : size === 'full' ? path.join(SLIDES_DIR, 'assets', 'bench') : path.join(WORK_DIR, 'bench', size);

  if (source.rest.includes('--redraw')) {
    const saved = path.join(out, 'results.json');
    if (!fs.existsSync(saved)) throw new UserError(`--redraw draws from ${path.relative(process.cwd(), saved)}, which is not there: run npm run bench first.`);
    save(JSON.parse(fs.readFileSync(saved, 'utf8')) as Results, out);
    return 0;
  }

  const api = await importStepApi<BenchApi>(choice.file, BENCH_NEEDS, 'the benchmark needs a replicated cluster and its clients (step 07 or later)');
  console.log(colour.bold(`Benchmark of ${code} (${size === 'full' ? 'full sizes, a few minutes' : size === 'quick' ? 'quick: smaller sizes, noisier figures' : 'tiny: the harness only, figures mean nothing'})`));
  const load = os.loadavg()[0]!;
  console.log(colour.dim(`Brokers run as processes on this machine, beside the clients: other work on it lowers every figure (load average now ${load.toFixed(1)} on ${os.cpus().length} cores${load > 1 ? ': close what you can' : ''}).\n`));

  // Ctrl-C reaches the broker processes too (same process group); the cluster is stopped and nothing is written.
  let cluster: ClusterProcess | null = null;
  const interrupted = () => {
    console.log('\nInterrupted: stopping the cluster; no results written.');
    void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    const results = await runBenchmark({
      api,
      srcDir,
      stepNumber: choice.step.number,
      code,
      size,
      progress: (line) => console.log(line),
      onCluster: (started) => (cluster = started),
    });
    console.log(`\n${colour.bold('Results')}\n${table(results)}`);
    console.log(`\n${colour.bold('Targets')}\n${targetLines(results)}`);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    save(results, out);
    return 0;
  } finally {
    process.off('SIGINT', interrupted);
  }
}

/** Writes results.md and the charts beside results.json. */
function save(results: Results, out: string): void {
  const charts = writeCharts(results, out).map((file) => path.basename(file));
  fs.writeFileSync(path.join(out, 'results.md'), markdown(results, charts));
  console.log(`\nWrote results.json, results.md and ${charts.length} charts (${charts.join(', ')}) into ${path.relative(process.cwd(), out) || '.'}`);
}
