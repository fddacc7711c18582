// `npm run chaos [-- --kills 50] [--seed N] [--partitions 4] [--rate 200] [--step NN|--mine]`:
// a Jepsen-style test of the cluster (run.ts): faults while producers and a consumer group work,
// then the checker's verdict. It prints one line per fault as it goes, the counts and any anomaly
// at the end, writes history.json and report.html under .kfs/chaos/, and exits 1 if anything
// acknowledged was lost or any offset was inconsistent, nonmonotonic or skipped.
import path from 'node:path';
import { WORK_DIR } from '../paths.ts';
import { sourceFlags } from '../cli/choose-source.ts';
import { chooseCode } from '../cli/choose-source.ts';
import { flagLines, parseBrokerFlags, sourceLines, type BrokerFlag } from '../cli/broker-flags.ts';
import { UserError, colour } from '../output.ts';
import { countsLine, explain } from './explain.ts';
import { DEFAULT_FAULTS, FAULT_KINDS, type FaultKind } from './nemesis.ts';
import { freshSeed } from './prng.ts';
import { runChaos } from './run.ts';
import { arrives, has, STEP_BRINGS } from '../step-features.ts';

const CHAOS_FLAGS: readonly BrokerFlag[] = [
  { flag: '--kills', option: 'kills', kind: 'int', min: 1, since: STEP_BRINGS.controller, help: 'how many faults the nemesis causes (50)' },
  { flag: '--seed', option: 'seed', kind: 'int', min: 0, since: STEP_BRINGS.controller, help: "the nemesis's random seed: the same seed makes the same choices (a fresh one, printed)" },
  { flag: '--partitions', option: 'partitions', kind: 'int', min: 1, max: 50, since: STEP_BRINGS.controller, help: 'partitions of the chaos topic (4)' },
  { flag: '--rate', option: 'rate', kind: 'int', min: 1, max: 10_000, since: STEP_BRINGS.controller, help: 'records per second, all producers together (200)' },
  { flag: '--faults', option: 'faults', kind: 'string', since: STEP_BRINGS.controller, help: `the faults to pick from, of ${FAULT_KINDS.join(', ')} (${DEFAULT_FAULTS.join(',')})` },
];

/** "kill-leader,kill-two": the --faults list, checked. */
function parseFaults(text: string): FaultKind[] {
  const faults = text.split(',').map((fault) => fault.trim()).filter(Boolean);
  const unknown = faults.filter((fault) => !(FAULT_KINDS as readonly string[]).includes(fault));
  if (unknown.length > 0 || faults.length === 0) throw new UserError(`--faults: ${unknown.length > 0 ? `no fault called ${unknown.join(', ')}` : 'name at least one fault'}; the faults are ${FAULT_KINDS.join(', ')}.`);
  return [...new Set(faults)] as FaultKind[];
}

export function chaosUsage(): string {
  const width = Math.max(...CHAOS_FLAGS.map((flag) => flag.flag.length)) + 6;
  return [
    'npm run chaos -- [flags]: kill -9, pause and restart brokers while producers (acks=all) and a consumer group work,',
    'then read everything back and check that nothing acknowledged was lost (step 08 on).',
    '',
    ...flagLines(CHAOS_FLAGS, width),
    `  ${'--no-heal'.padEnd(width)}do not wait for every replica to be back in sync before the next fault: faults overlap with recovery`,
    ...sourceLines(width),
    '',
    'Example: npm run chaos -- --kills 10 --seed 42',
    '         npm run chaos -- --faults kill-leader,kill-two,kill-controller --step 08',
  ].join('\n');
}

export async function chaosCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(chaosUsage());
    return 0;
  }
  // --no-heal takes no value, so it is taken out before the flags that do are parsed.
  const heal = !args.includes('--no-heal');
  const source = sourceFlags(args.filter((arg) => arg !== '--no-heal'));
  const { options } = parseBrokerFlags(source.rest, CHAOS_FLAGS, 'npm run chaos');
  const choice = chooseCode({ file: 'index.ts', what: 'cluster', arrives: 'step 01' }, source);
  if (!has(choice.step.number, 'controller')) {
    throw new UserError(`npm run chaos needs a controller, replication and clients that retry: ${arrives('controller')} or later. ${choice.mine ? 'Your latest edited step' : 'The chosen step'} is ${choice.step.name}; pick one with --step 08 or --step 09.`);
  }
  const kills = (options.kills as number | undefined) ?? 50;
  const faults = options.faults === undefined ? DEFAULT_FAULTS : parseFaults(options.faults as string);
  const seed = (options.seed as number | undefined) ?? freshSeed();
  const srcDir = path.dirname(choice.file);
  const label = `${path.relative(process.cwd(), srcDir) || '.'} (${choice.mine ? 'your code' : 'the reference'})`;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const outDir = path.join(WORK_DIR, 'chaos', `${stamp}-${choice.step.name}-seed${seed}`);
  const replay = `npm run chaos -- --seed ${seed} --kills ${kills}${options.faults === undefined ? '' : ` --faults ${faults.join(',')}`}${heal ? '' : ' --no-heal'}${source.step === undefined ? '' : ` --step ${choice.step.name.slice(0, 2)}`}${choice.mine ? ' --mine' : ''}`;
  console.log(colour.bold(`Chaos: ${kills} faults (${faults.join(', ')}) on ${label}, seed ${seed}`));
  console.log(colour.dim(`${replay} makes the same choices again${choice.mine ? '' : '; --mine runs your own code'}.`));

  // Ctrl-C: the brokers run in process groups of their own, so it reaches this process alone. The
  // first stops the faults, and the run still heals, reads back and writes its report; a second
  // leaves at once (the brokers stop when this process goes, as their stdin closes).
  const stop = new AbortController();
  const interrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    console.log(colour.yellow('\nCtrl-C: no more faults after this one; the run heals, reads back and writes its report. Ctrl-C again to leave at once, without a report.'));
  };
  process.on('SIGINT', interrupt);
  const run = await runChaos({
    stop: stop.signal,
    srcDir,
    label,
    seed,
    kills,
    outDir,
    replay,
    ...(options.partitions === undefined ? {} : { partitions: options.partitions as number }),
    ...(options.rate === undefined ? {} : { producers: { rate: options.rate as number } }),
    nemesis: { faults, heal },
    log: (line) => console.log(line),
  });

  // A client that never settled (a student's, stuck on a TODO) may hold the event loop open after
  // the run: the command ends anyway, once it has said everything.
  setTimeout(() => process.exit(process.exitCode ?? 0), 5_000).unref();
  const { result } = run;
  console.log('');
  console.log(`${colour.bold('Counts:')} ${countsLine(result)}`);
  const agree = run.replicasAgree.filter(Boolean).length;
  console.log(`Replicas: the in-sync replicas' logs are the same record for record and byte for byte in ${agree} of ${run.replicasAgree.length} partitions.`);
  console.log(`Took ${(run.durationMs / 1000).toFixed(0)} s for ${run.rounds.length} faults.`);
  const explained = explain(result, run.history);
  if (explained) console.log(`\n${explained}`);
  for (const note of run.notes) console.log(colour.yellow(`Note: ${note}`));
  const shown = path.relative(process.cwd(), outDir);
  console.log(colour.dim(`\nHistory and report: ${shown}/history.json, ${shown}/report.html`));
  if (run.clean) {
    console.log(colour.green(`✓ Nothing acknowledged was lost, and every offset was consistent, monotonic and without gaps, through ${run.rounds.length} faults.`));
    return 0;
  }
  if (result.valid) {
    // Nothing was lost, but a cluster that did not elect, heal or read back proves little.
    console.log(colour.red(`✗ The checker found no anomaly, but the run did not go as it should (the notes above): ${run.rounds.length} of ${kills} faults done. The brokers' data is kept in ${shown}/data.`));
    return 1;
  }
  console.log(colour.red(`✗ The checker found anomalies (above). The brokers' data is kept in ${shown}/data; replay the same faults with: ${replay}`));
  return 1;
}
