// `npm run cluster -- --brokers 3 --topics test-topic:5:2 [--base-port 9092|0] [--data-dir DIR]
// [--step NN|--mine] [broker flags]`: a cluster like the introductions' docker compose file, as
// real processes. Broker N has id N, port base+N-1 and its data in DIR/broker-N, and is told
// every broker's address (--cluster); it is `npm run broker` started directly (node, not npm), so
// the pid printed is the broker's own and `kill -9 <pid>` kills that broker. From step 08 brokers
// learn each other from a controller instead: `npm run controller` starts first (on
// --controller-port, base-1 by default, its data in DIR/controller), and every broker is told its
// address (--controller). Each log line is prefixed with the process it comes from; Ctrl-C stops
// them all, the brokers first. With --dashboard it also serves the cluster view (lib/dashboard)
// on 127.0.0.1, whose buttons kill (-9), pause (SIGSTOP/SIGCONT) and restart the brokers it started.
//
// The work is in lib/cli/cluster/: flags.ts and plan.ts read the arguments, start.ts starts the
// processes (member.ts is one of them, roster.ts all of them), topics.ts creates --topics, and
// controls.ts gives the dashboard its buttons. This file runs them in that order, then watches
// the cluster until it is told to stop.
import { listSteps } from '../../steps.ts';
import { arrives, has } from '../../step-features.ts';
import { colour } from '../../output.ts';
import { clusterControls, processState } from '../cluster/controls.ts';
import { clusterUsage } from '../cluster/flags.ts';
import { address, reportDeath, type Member } from '../cluster/member.ts';
import { planCluster, type ClusterPlan } from '../cluster/plan.ts';
import { Roster } from '../cluster/roster.ts';
import { startCluster } from '../cluster/start.ts';
import { createTopics } from '../cluster/topics.ts';

export async function clusterCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(clusterUsage());
    return 0;
  }
  const plan = planCluster(args);
  const roster = new Roster();
  const signalled = stopOnSignals(roster);
  const failed = await startCluster(plan, roster, signalled);
  if (failed !== null) return failed;

  const { choice, stepNumber } = plan;
  console.log(colour.bold(`\nCluster of ${plan.count} broker(s)${roster.controller ? ' and a controller' : ''} is up:`));
  for (const member of roster.everyone()) {
    console.log(`  ${member.name}  ${address(member)}  pid ${member.pid}  ${member.dataDir}`);
  }
  const bootstrap = roster.brokers.map(address);
  await createTopics(choice, plan.topics, bootstrap, stepNumber);
  // kcat arrives in step 05; it runs the newest step's unless told which.
  const kcatFlags = choice.mine ? ` --mine --step ${stepNumber}` : choice.step.number === listSteps().at(-1)?.number ? '' : ` --step ${stepNumber}`;
  if (has(choice.step.number, 'consumer')) console.log(`\nkcat: npm run kcat --${kcatFlags} -b ${bootstrap[0]} -L`);
  return supervise(plan, roster, signalled, bootstrap);
}

/**
 * Ctrl-C or SIGTERM stops every process, the brokers first (roster.ts); a second Ctrl-C kills
 * them at once. The terminal sends Ctrl-C's SIGINT to them as well (they share its process
 * group); they take the SIGTERM that follows as the same request. Resolves at the first signal.
 */
function stopOnSignals(roster: Roster): Promise<NodeJS.Signals> {
  let interrupted = false;
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const first = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const again = interrupted;
      interrupted = true;
      signalled(signal);
      if (again) {
        if (signal === 'SIGINT') {
          console.error(colour.red(`Killing every ${roster.controller ? 'process' : 'broker'} now.`));
          for (const member of roster.everyone()) void member.kill('SIGKILL');
        }
        return;
      }
      const left = roster.brokers.filter((member) => !member.exit).length;
      const controller = roster.controller && !roster.controller.exit ? ' and the controller' : '';
      console.log(colour.dim(`\nStopping ${left} broker(s)${controller}…`));
      void roster.stopAll();
    });
  }
  return first;
}

/**
 * The cluster running: says when a process dies (its exit, its last words on stderr), serves the
 * dashboard if asked, and stops when told to or, without a dashboard (which can restart brokers),
 * when no broker is left. Resolves with npm run cluster's exit code.
 */
async function supervise(plan: ClusterPlan, roster: Roster, signalled: Promise<NodeJS.Signals>, bootstrap: string[]): Promise<number> {
  let allGone: () => void = () => {};
  const gone = new Promise<'all gone'>((resolve) => (allGone = () => resolve('all gone')));
  const watch = (member: Member) =>
    void member.exited.then(() => {
      if (!roster.stopping) reportDeath(member, '');
      if (roster.brokers.every((other) => other.exit)) allGone();
    });
  for (const member of roster.everyone()) watch(member);

  let dashboard: { url: string; stop(): Promise<void> } | null = null;
  if (plan.dashboard.on && !has(plan.choice.step.number, 'consumer')) {
    console.log(colour.yellow(`Note: the dashboard works from ${arrives('consumer')} on; step ${plan.stepNumber} has no metadata to show, so --dashboard starts none.`));
  } else if (plan.dashboard.on) {
    const { startClusterDashboard } = await import('../../dashboard/dashboard.ts');
    const { controller } = roster;
    dashboard = await startClusterDashboard({
      choice: plan.choice,
      bootstrap: roster.brokers.map((member) => ({ host: member.host, port: member.port })),
      controller: controller ? { id: controller.id, host: controller.host, port: controller.port } : null,
      port: plan.dashboard.port,
      processes: () => ({ brokers: roster.brokers.map(processState), controller: roster.controller ? processState(roster.controller) : null }),
      controls: clusterControls(roster, watch),
    });
    console.log(`\nDashboard: ${colour.bold(dashboard.url)}`);
  }
  console.log(colour.dim(`Bootstrap servers: ${bootstrap.join(',')}. Ctrl-C stops the cluster.\n`));

  const end = await Promise.race(dashboard ? [signalled] : [signalled, gone]);
  if (end === 'all gone' && !roster.stopping) {
    console.error(colour.red('Every broker has exited; the cluster is gone.'));
    return 1;
  }
  await dashboard?.stop();
  await roster.stopAll();
  console.log(colour.dim(`Stopped. The data stays in ${plan.dataRoot}${plan.madeDataDir ? '' : ' (start again with the same --data-dir to carry on)'}.`));
  return 0;
}
