// A broker's (and the controller's) settings as flags with Kafka's names, `--min-insync-replicas 2`
// for the Broker's `minInsyncReplicas`: the table, how flags are read and checked, and how --help
// lists them. npm run broker, controller, cluster and chaos read their flags with it.
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../output.ts';
import { STEP_BRINGS } from '../step-features.ts';

/** One broker of a cluster, as `--cluster` lists it (the Broker's `cluster` option from step 07). */
export interface ClusterMember {
  id: number;
  host: string;
  port: number;
}


export interface BrokerFlag {
  flag: string;
  /** The Broker option it sets. */
  option: string;
  kind: 'int' | 'string' | 'cluster' | 'address';
  min?: number;
  max?: number;
  /** The step whose Broker first has this option; an earlier one ignores it (with a note). */
  since: number;
  /** The last step whose Broker has this option, and why a later one refuses it. */
  until?: { step: number; why: string };
  help: string;
}

/** The broker's flags: Kafka's setting names, as flags, mapped to the Broker's camelCase options. */
export const BROKER_FLAGS: readonly BrokerFlag[] = [
  { flag: '--id', option: 'id', kind: 'int', min: 0, since: 1, help: "the broker's id, Kafka's broker.id (1)" },
  { flag: '--host', option: 'host', kind: 'string', since: 1, help: 'the interface to bind (127.0.0.1)' },
  { flag: '--port', option: 'port', kind: 'int', min: 0, max: 65_535, since: 1, help: 'the port to listen on (9092; 0 for any free port)' },
  { flag: '--data-dir', option: 'dataDir', kind: 'string', since: STEP_BRINGS.log, help: "where the logs go, Kafka's log.dirs (<tmpdir>/kfs-step-NN/kafka-logs-<id>)" },
  {
    flag: '--cluster', option: 'cluster', kind: 'cluster', since: 7, help: 'every broker of the cluster, this one too: 1@127.0.0.1:9092,2@127.0.0.1:9093 (step 07)',
    until: { step: STEP_BRINGS.controller - 1, why: 'from step 08 brokers learn each other from the controller: use --controller host:port (npm run controller starts one)' },
  },
  { flag: '--controller', option: 'controller', kind: 'address', since: STEP_BRINGS.controller, help: "the controller's host:port (npm run controller); without it the broker runs a controller of its own" },
  { flag: '--min-insync-replicas', option: 'minInsyncReplicas', kind: 'int', min: 1, since: 7, help: 'min.insync.replicas: replicas an acks=all write needs (1)' },
  { flag: '--replica-lag-time-max-ms', option: 'replicaLagTimeMaxMs', kind: 'int', min: 1, since: 7, help: 'replica.lag.time.max.ms: how long a follower may lag and stay in the ISR' },
  { flag: '--default-replication-factor', option: 'defaultReplicationFactor', kind: 'int', min: 1, since: 7, help: 'default.replication.factor of topics created on first use (1)' },
  { flag: '--num-partitions', option: 'numPartitions', kind: 'int', min: 1, since: 3, help: 'num.partitions of topics created on first use (1)' },
  { flag: '--message-max-bytes', option: 'messageMaxBytes', kind: 'int', min: 1, since: 3, help: 'message.max.bytes: the largest batch accepted' },
  { flag: '--offsets-topic-num-partitions', option: 'offsetsTopicNumPartitions', kind: 'int', min: 1, since: 6, help: 'offsets.topic.num.partitions of __consumer_offsets (50)' },
  { flag: '--group-initial-rebalance-delay-ms', option: 'groupInitialRebalanceDelayMs', kind: 'int', min: 0, since: 6, help: "group.initial.rebalance.delay.ms: a new group's wait for more members (3000)" },
  { flag: '--broker-heartbeat-interval-ms', option: 'brokerHeartbeatIntervalMs', kind: 'int', min: 1, since: STEP_BRINGS.controller, help: 'broker.heartbeat.interval.ms: how often the broker tells the controller it is alive (2000)' },
  { flag: '--broker-session-timeout-ms', option: 'brokerSessionTimeoutMs', kind: 'int', min: 1, since: STEP_BRINGS.controller, help: "broker.session.timeout.ms: a broker silent this long is fenced (9000; the controller's)" },
  { flag: '--leader-imbalance-check-interval-ms', option: 'leaderImbalanceCheckIntervalMs', kind: 'int', min: 1, since: STEP_BRINGS.controller, help: "how often leadership goes back to preferred replicas (300000; the controller's)" },
  { flag: '--offsets-topic-replication-factor', option: 'offsetsTopicReplicationFactor', kind: 'int', min: 1, since: STEP_BRINGS.controller, help: 'offsets.topic.replication.factor of __consumer_offsets (3; 1 for a broker without --controller): groups wait until that many brokers are alive' },
];

/**
 * Broker flags that only the controller acts on: a broker given --controller has no use for them
 * (give them to npm run controller); one without runs its own controller and passes them on.
 */
export const CONTROLLER_ONLY_FLAGS = ['--broker-session-timeout-ms', '--leader-imbalance-check-interval-ms'];

/** The flags that choose the code to run, handled by choose-source.ts. */
const SOURCE_FLAGS = ['--step NN', '--mine'];

export interface ParsedBrokerFlags {
  /** The Broker options the flags set, by option name (`cluster` already parsed). */
  options: Record<string, unknown>;
  /** The flags given, each with its value as written, in order (for passing them on). */
  given: Array<{ flag: string; value: string }>;
}

/** Parses broker flags (`--port 9093` or `--port=9093`); a UserError says what is wrong. */
export function parseBrokerFlags(args: string[], flags: readonly BrokerFlag[] = BROKER_FLAGS, command = 'npm run broker'): ParsedBrokerFlags {
  const options: Record<string, unknown> = {};
  const given: ParsedBrokerFlags['given'] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const flag = flags.find((known) => known.flag === name);
    if (!flag) {
      const what = arg.startsWith('-') ? `Unknown flag ${name}` : `Unexpected argument "${arg}"`;
      throw new UserError(`${what}. ${command} knows: ${[...flags.map((known) => known.flag), ...SOURCE_FLAGS].join(', ')}; ${command} -- --help says what each does.`);
    }
    const value = inline ?? args[i + 1];
    if (inline === undefined) i++;
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UserError(`${flag.flag} needs a value (${flag.help}).`);
    if (given.some((earlier) => earlier.flag === flag.flag)) throw new UserError(`${flag.flag} is given twice.`);
    given.push({ flag: flag.flag, value });
    options[flag.option] = flag.kind === 'int' ? parseInteger(flag, value) : flag.kind === 'cluster' ? parseCluster(value) : flag.kind === 'address' ? parseAddress(flag, value) : value;
  }
  return { options, given };
}

function parseInteger(flag: BrokerFlag, value: string): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  const range = flag.max === undefined ? `at least ${flag.min ?? 0}` : `from ${flag.min ?? 0} to ${flag.max}`;
  if (!Number.isSafeInteger(number) || number < (flag.min ?? 0) || (flag.max !== undefined && number > flag.max)) {
    throw new UserError(`${flag.flag} wants a whole number ${range}, not "${value}".`);
  }
  return number;
}

/** "host:port" (an IPv6 host in brackets or not), as the steps' parseHostPort reads it: host:port, brackets left out. */
export function parseAddress(flag: Pick<BrokerFlag, 'flag'>, text: string): string {
  const match = /^(\[[^\]]+\]|[^\s]+):(\d+)$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new UserError(`${flag.flag} wants host:port with a real port (1 to 65535), for example 127.0.0.1:9093, not "${text}".`);
  return `${match[1]!.replace(/^\[(.*)\]$/, '$1')}:${port}`;
}

/** "1@127.0.0.1:9092,2@127.0.0.1:9093" as cluster members; a UserError names a bad entry. */
export function parseCluster(text: string): ClusterMember[] {
  const members: ClusterMember[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    // A host may be a name, an IPv4 address or an IPv6 one in brackets ([::1]).
    const match = /^(\d+)@(\[[^\]]+\]|[^:@\s]+):(\d+)$/.exec(entry);
    if (!match) throw new UserError(`--cluster: "${entry}" is not id@host:port (the list looks like 1@127.0.0.1:9092,2@127.0.0.1:9093).`);
    const [, id, host, port] = match;
    const member = { id: Number(id), host: host!.replace(/^\[(.*)\]$/, '$1'), port: Number(port) };
    if (member.port < 1 || member.port > 65_535) throw new UserError(`--cluster: broker ${member.id} has port ${port}; a cluster member needs its real port (1 to 65535), which the others connect to.`);
    const twin = members.find((other) => other.id === member.id);
    if (twin) throw new UserError(`--cluster names broker ${member.id} twice (${twin.host}:${twin.port} and ${member.host}:${member.port}): every broker needs its own id.`);
    const sameAddress = members.find((other) => other.host === member.host && other.port === member.port);
    if (sameAddress) throw new UserError(`--cluster gives brokers ${sameAddress.id} and ${member.id} the same address ${member.host}:${member.port}.`);
    members.push(member);
  }
  return members;
}

/**
 * The options for `new Broker(…)` from the parsed flags: with `--cluster`, this broker must be in
 * the list, and its port (and host, unless `--host` says where to bind) come from there unless
 * given; the data dir defaults to a folder per broker id, as the Broker's own, in the step's own
 * folder under the OS temp dir (see defaultDataDir).
 */
export function brokerOptions(parsed: Record<string, unknown>, step: number): Record<string, unknown> {
  const options = { ...parsed };
  const id = (options.id as number | undefined) ?? 1;
  const cluster = options.cluster as ClusterMember[] | undefined;
  if (cluster) {
    const self = cluster.find((member) => member.id === id);
    if (!self) {
      throw new UserError(
        `--cluster has no broker ${id}${options.id === undefined ? ' (the id of a broker without --id)' : ''}: list every broker of the cluster, this one included ` +
          `(brokers ${cluster.map((member) => member.id).join(', ')} are listed), or give --id one of them.`,
      );
    }
    if (options.port !== undefined && options.port !== self.port) {
      throw new UserError(`--port ${String(options.port)} disagrees with --cluster, which lists broker ${id} at ${self.host}:${self.port}; the others will look for it there. Leave out --port, or fix the list.`);
    }
    options.port = self.port;
    options.host ??= self.host;
  }
  options.id = id;
  options.host ??= '127.0.0.1';
  options.port ??= 9092;
  options.dataDir = path.resolve((options.dataDir as string | undefined) ?? defaultDataDir(step, `kafka-logs-${id}`));
  return options;
}

/**
 * Where a step's broker or controller keeps its data unless --data-dir says: Kafka's folder names
 * (kafka-logs-<id>, kraft-controller-logs), one set per step under the OS temp dir. The steps store
 * different formats (step 09's segments hold Kafka's record batches, earlier ones do not), and a
 * broker reads a segment it cannot parse as a torn write and cuts it: a shared default would have
 * step 09 empty the logs step 08 wrote.
 */
export function defaultDataDir(step: number, folder: string): string {
  return path.join(os.tmpdir(), `kfs-step-${String(step).padStart(2, '0')}`, folder);
}

/** One line per flag, for --help. */
export function flagLines(flags: readonly BrokerFlag[], width = Math.max(...flags.map((flag) => flag.flag.length)) + 4): string[] {
  const value = { string: 'S', cluster: 'L', address: 'H:P', int: 'N' };
  return flags.map((flag) => `  ${`${flag.flag} ${value[flag.kind]}`.padEnd(width)}${flag.help}`);
}

/** The lines about --step and --mine, for --help. */
export function sourceLines(width: number): string[] {
  return [`  ${'--step NN'.padEnd(width)}run step NN's reference (default: the newest step's)`, `  ${'--mine'.padEnd(width)}run your own code (the latest step you have edited, or --step NN)`];
}
