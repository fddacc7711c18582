// npm run cluster's flags: its own (--brokers, --topics, …), the broker flags it gives every
// broker as they are, the ones it sets for each broker itself, and how --topics and --dashboard
// are read.
import { UserError } from '../../output.ts';
import { BROKER_FLAGS, type BrokerFlag } from '../broker-flags.ts';
import { STEP_BRINGS } from '../../step-features.ts';

export const CLUSTER_FLAGS: readonly BrokerFlag[] = [
  { flag: '--brokers', option: 'brokers', kind: 'int', min: 1, max: 99, since: 1, help: 'how many brokers (3); their ids are 1 to N' },
  { flag: '--topics', option: 'topics', kind: 'string', since: STEP_BRINGS.log, help: 'topics to create once all listen: name:partitions:replication,… (test-topic:5:2)' },
  { flag: '--base-port', option: 'basePort', kind: 'int', min: 0, max: 65_535, since: 1, help: "broker 1's port, one more for each next broker (9092); 0 picks free ports" },
  { flag: '--data-dir', option: 'dataDir', kind: 'string', since: 1, help: 'broker N keeps its data in DIR/broker-N (a fresh temp dir)' },
  { flag: '--host', option: 'host', kind: 'string', since: 1, help: 'the address every broker binds and is known by (127.0.0.1)' },
  { flag: '--controller-port', option: 'controllerPort', kind: 'int', min: 0, max: 65_535, since: STEP_BRINGS.controller, help: "the controller's port (step 08 on; base-port - 1, 9091; with --base-port 0 a free one)" },
];
/** Broker flags the cluster sets itself, differently for each broker. */
export const SET_PER_BROKER = ['--id', '--port', '--cluster', '--controller'];
/** Broker flags given to every broker as they are. */
export const PASSED_THROUGH = BROKER_FLAGS.filter((flag) => !SET_PER_BROKER.includes(flag.flag) && !CLUSTER_FLAGS.some((own) => own.flag === flag.flag));

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
}

/** "test-topic:5:2,other:1:3" (partitions and replication default to 1); a UserError names a bad entry. */
export function parseTopics(text: string): TopicSpec[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^([^:\s]+)(?::(\d+))?(?::(\d+))?$/.exec(entry);
      const spec = match && { name: match[1]!, partitions: Number(match[2] ?? 1), replicationFactor: Number(match[3] ?? 1) };
      if (!spec || spec.partitions < 1 || spec.replicationFactor < 1) {
        throw new UserError(`--topics: "${entry}" is not name:partitions:replication with whole numbers of at least 1 (for example test-topic:5:2).`);
      }
      return spec;
    });
}

export function clusterUsage(): string {
  const flags = [...CLUSTER_FLAGS, ...PASSED_THROUGH];
  const width = Math.max(...flags.map((flag) => flag.flag.length)) + 4;
  const line = (flag: BrokerFlag) => `  ${`${flag.flag} ${flag.kind === 'int' ? 'N' : 'S'}`.padEnd(width)}${flag.help}`;
  return [
    'npm run cluster -- [flags]: N broker processes that know each other (from step 08 through a controller process); Ctrl-C stops them all.',
    '',
    ...CLUSTER_FLAGS.map(line),
    `  ${'--step NN'.padEnd(width)}run step NN's reference (default: the newest step's)`,
    `  ${'--mine'.padEnd(width)}run your own code (the latest step you have edited, or --step NN)`,
    `  ${'--dashboard'.padEnd(width)}serve the cluster view in the browser, with kill/pause/restart buttons (step 05 on)`,
    `  ${'--dashboard-port N'.padEnd(width)}its port on 127.0.0.1 (a free one)`,
    '',
    "Given to every broker (see npm run broker -- --help), and from step 08 the controller's settings to the controller:",
    ...PASSED_THROUGH.map(line),
    '',
    'Example: npm run cluster -- --brokers 3 --topics test-topic:5:2 --min-insync-replicas 2',
  ].join('\n');
}

/** Takes --dashboard and --dashboard-port N out of the arguments. */
export function takeDashboardFlags(args: string[]): { on: boolean; port: number; rest: string[] } {
  const at = args.indexOf('--dashboard-port');
  let port = 0;
  if (at >= 0) {
    port = Number(args[at + 1]);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError(`--dashboard-port: "${args[at + 1] ?? ''}" is not a port number (0 picks a free one).`);
  }
  const rest = args.filter((arg, i) => arg !== '--dashboard' && (at < 0 || (i !== at && i !== at + 1)));
  return { on: args.includes('--dashboard') || at >= 0, port, rest };
}
