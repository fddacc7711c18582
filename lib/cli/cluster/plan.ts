// npm run cluster, first part: its flags read and checked, and the cluster they describe (how
// many brokers, which ports, which code, which flags go to the brokers and which to the
// controller), before any process starts. Every mistake is a UserError here, not a half-started
// cluster.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sourceFlags, type SourceChoice } from '../choose-source.ts';
import { UserError, colour } from '../../output.ts';
import { CONTROLLER_ONLY_FLAGS, parseBrokerFlags } from '../broker-flags.ts';
import { chooseCode } from '../choose-source.ts';
import { CONTROLLER_FLAGS } from '../commands/controller.ts';
import { has } from '../../step-features.ts';
import { CLUSTER_FLAGS, PASSED_THROUGH, SET_PER_BROKER, parseTopics, takeDashboardFlags, type TopicSpec } from './flags.ts';

export interface ClusterPlan {
  choice: SourceChoice;
  /** "08": the step whose code runs, as notes name it. */
  stepNumber: string;
  count: number;
  host: string;
  /** Broker 1's port, one more for each next broker; 0: free ports. */
  basePort: number;
  /** From step 08: a controller process starts first. */
  withController: boolean;
  /** The controller's port; undefined: a free one (then freeControllerPort is true). */
  fixedControllerPort: number | undefined;
  freeControllerPort: boolean;
  /** Flags given to every broker, and to the controller. */
  brokerPassed: string[];
  controllerPassed: string[];
  topics: TopicSpec[];
  /** Where broker N keeps its data (DIR/broker-N), and whether this run made it. */
  dataRoot: string;
  madeDataDir: boolean;
  dashboard: { on: boolean; port: number };
}

/** Reads npm run cluster's arguments into a plan, and says what the plan will and will not do. */
export function planCluster(args: string[]): ClusterPlan {
  const dashboardWanted = takeDashboardFlags(args);
  const source = sourceFlags(dashboardWanted.rest);
  for (const arg of source.rest) {
    const flag = SET_PER_BROKER.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (flag) throw new UserError(`npm run cluster sets ${flag} for each broker itself (ids 1 to N, ports from --base-port, --cluster listing them all or --controller naming the controller); leave it out.`);
  }
  const { options, given } = parseBrokerFlags(source.rest, [...CLUSTER_FLAGS, ...PASSED_THROUGH], 'npm run cluster');
  const count = (options.brokers as number | undefined) ?? 3;
  const basePort = (options.basePort as number | undefined) ?? 9092;
  const host = (options.host as string | undefined) ?? '127.0.0.1';
  const topics = options.topics === undefined ? [] : parseTopics(options.topics as string);
  if (basePort !== 0 && basePort + count - 1 > 65_535) throw new UserError(`--base-port ${basePort} leaves no room for ${count} brokers below port 65536.`);
  const passed = given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag)).flatMap(({ flag, value }) => [flag, value]);

  const choice = chooseCode({ file: 'index.ts', what: 'broker', arrives: 'step 01' }, source);
  const step = choice.step;
  const stepNumber = String(step.number).padStart(2, '0');
  // From step 08 a controller process comes first, and the brokers are told where it is.
  const withController = has(step.number, 'controller');
  const givenControllerPort = options.controllerPort as number | undefined;
  // undefined: a free port, picked with the brokers' (--controller-port 0, or --base-port 0 without it).
  const fixedControllerPort = withController && givenControllerPort !== 0 ? (givenControllerPort ?? (basePort === 0 ? undefined : basePort - 1)) : undefined;
  const freeControllerPort = withController && fixedControllerPort === undefined;
  if (fixedControllerPort !== undefined) {
    if (fixedControllerPort < 1) throw new UserError(`--base-port ${basePort} leaves no port below it for the controller: give it one with --controller-port.`);
    if (basePort !== 0 && fixedControllerPort >= basePort && fixedControllerPort < basePort + count) {
      throw new UserError(`--controller-port ${fixedControllerPort} is one of the brokers' ports (${basePort} to ${basePort + count - 1}); pick another.`);
    }
  }
  // The controller's own settings go to the controller alone; the ones both use (num.partitions, …) to both.
  const controllerPassed = given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag) && CONTROLLER_FLAGS.some((known) => known.flag === flag)).flatMap(({ flag, value }) => [flag, value]);
  // Kafka's offsets.topic.replication.factor, 3, would keep the groups of a smaller cluster waiting
  // for brokers that never come (KIP-115); a compose file for fewer brokers lowers it the same way.
  const offsetsCopies = withController && options.offsetsTopicReplicationFactor === undefined && count < 3 ? count : undefined;
  if (offsetsCopies !== undefined) controllerPassed.push('--offsets-topic-replication-factor', String(offsetsCopies));
  const brokerPassed = withController ? given.filter(({ flag }) => PASSED_THROUGH.some((known) => known.flag === flag) && !CONTROLLER_ONLY_FLAGS.includes(flag)).flatMap(({ flag, value }) => [flag, value]) : passed;
  for (const topic of topics) {
    if (has(step.number, 'replication') && topic.replicationFactor > count) {
      throw new UserError(`--topics: ${topic.name} wants ${topic.replicationFactor} replicas, but the cluster has ${count} broker(s); each replica needs a broker of its own.`);
    }
  }

  const madeDataDir = options.dataDir === undefined;
  const dataRoot = madeDataDir ? fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-cluster-')) : path.resolve(options.dataDir as string);
  fs.mkdirSync(dataRoot, { recursive: true });
  const shownSrc = path.relative(process.cwd(), path.dirname(choice.file)) || '.';
  console.log(colour.dim(`Starting ${withController ? 'a controller and ' : ''}${count} broker(s) of ${shownSrc}${choice.mine ? '' : ' (the reference; --mine runs yours)'}, data in ${dataRoot}`));
  if (offsetsCopies !== undefined) {
    console.log(colour.dim(`With ${count} broker(s), __consumer_offsets gets ${offsetsCopies} cop${offsetsCopies === 1 ? 'y' : 'ies'} (--offsets-topic-replication-factor ${offsetsCopies}): Kafka's 3 would keep consumer groups waiting for brokers that never come.`));
  }
  if (!has(step.number, 'replication') && count > 1) {
    console.log(colour.yellow(`Note: step ${stepNumber}'s brokers do not replicate yet (step 07 brings that): each runs on its own, and a topic lives on the broker that created it.`));
  }
  for (const flag of [...PASSED_THROUGH, ...CLUSTER_FLAGS].filter((known) => known.since > step.number && known.flag !== '--topics' && options[known.option] !== undefined)) {
    console.log(colour.yellow(`Note: step ${stepNumber}'s broker has no ${flag.option} option (it arrives in step ${String(flag.since).padStart(2, '0')}), so ${flag.flag} changes nothing.`));
  }

  return { choice, stepNumber, count, host, basePort, withController, fixedControllerPort, freeControllerPort, brokerPassed, controllerPassed, topics, dataRoot, madeDataDir, dashboard: { on: dashboardWanted.on, port: dashboardWanted.port } };
}
