// `npm run controller -- --port 9093 --data-dir DIR [--broker-session-timeout-ms N] …`: the
// cluster's controller (step 08 on) as a process of its own, as KRaft runs one. Brokers find it
// with `npm run broker -- --controller 127.0.0.1:9093`. It runs the newest step's reference by
// default (`--step NN` another, `--mine` yours), prints "Controller 0 listening on 127.0.0.1:9093"
// once it serves, and stops cleanly on Ctrl-C or SIGTERM, as `npm run broker` does (serveProcess).
import path from 'node:path';
import { sourceFlags } from '../choose-source.ts';
import { BROKER_FLAGS, defaultDataDir, flagLines, parseBrokerFlags, sourceLines, type BrokerFlag } from '../broker-flags.ts';
import { chooseCode } from '../choose-source.ts';
import { serveProcess } from '../serve-process.ts';
import { arrives, STEP_BRINGS } from '../../step-features.ts';

/** The broker flags that are the controller's settings too, with the same names and meaning. */
const SHARED = ['--host', '--broker-session-timeout-ms', '--leader-imbalance-check-interval-ms', '--default-replication-factor', '--num-partitions', '--offsets-topic-replication-factor', '--offsets-topic-num-partitions'];

export const CONTROLLER_FLAGS: readonly BrokerFlag[] = [
  { flag: '--id', option: 'id', kind: 'int', min: 0, since: STEP_BRINGS.controller, help: "the controller's id, KRaft's node.id (0); brokers use other ids" },
  { flag: '--port', option: 'port', kind: 'int', min: 0, max: 65_535, since: STEP_BRINGS.controller, help: 'the port to listen on (9093; 0 for any free port)' },
  { flag: '--data-dir', option: 'dataDir', kind: 'string', since: STEP_BRINGS.controller, help: 'where the metadata log goes (<tmpdir>/kfs-step-NN/kraft-controller-logs)' },
  ...BROKER_FLAGS.filter((flag) => SHARED.includes(flag.flag)).map((flag) => ({ ...flag, since: Math.max(flag.since, STEP_BRINGS.controller), help: flag.help.replace("; the controller's", '') })),
];

export function controllerUsage(): string {
  const width = Math.max(...CONTROLLER_FLAGS.map((flag) => flag.flag.length)) + 4;
  return [
    'npm run controller -- [flags]: the cluster controller as a process of its own (step 08 on); it runs until Ctrl-C.',
    '',
    ...flagLines(CONTROLLER_FLAGS, width),
    ...sourceLines(width),
    '',
    'Example: npm run controller -- --port 9093 --data-dir /tmp/controller',
    '    then npm run broker -- --id 1 --port 9092 --controller 127.0.0.1:9093 --data-dir /tmp/b1',
  ].join('\n');
}

/** The Controller's options from the parsed flags: id 0, 127.0.0.1:9093 and the step's own data dir under the OS temp dir unless given. */
export function controllerOptions(parsed: Record<string, unknown>, step: number): Record<string, unknown> {
  return {
    ...parsed,
    id: parsed.id ?? 0,
    host: parsed.host ?? '127.0.0.1',
    port: parsed.port ?? 9093,
    dataDir: path.resolve((parsed.dataDir as string | undefined) ?? defaultDataDir(step, 'kraft-controller-logs')),
  };
}

export async function controllerCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(controllerUsage());
    return 0;
  }
  const source = sourceFlags(args);
  const parsed = parseBrokerFlags(source.rest, CONTROLLER_FLAGS, 'npm run controller');
  const arrivesIn = arrives('controller');
  const choice = chooseCode({ file: 'index.ts', what: 'controller', arrives: arrivesIn }, source);
  const options = controllerOptions(parsed.options, choice.step.number);
  return serveProcess({ className: 'Controller', arrives: arrivesIn, options, given: parsed.options, flags: CONTROLLER_FLAGS, choice, portAdvice: ' (and give the brokers --controller to match)' });
}
