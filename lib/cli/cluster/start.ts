// npm run cluster, second part: the processes started, the controller first (step 08 on), then
// every broker, each told the others' addresses or the controller's. With free ports (--base-port
// 0), a port picked may be taken by someone else before the process binds it: the whole start is
// then tried again with fresh ports.
import path from 'node:path';
import { PORT_TAKEN_EXIT_CODE, pickFreePorts } from '../../ports.ts';
import { colour } from '../../output.ts';
import { brokerArgs, controllerArgs, Member, reportDeath } from './member.ts';
import type { ClusterPlan } from './plan.ts';
import type { Roster } from './roster.ts';

/** How long all brokers together (and the controller before them) may take to get ready: loading TypeScript is slow on a small machine. */
const START_DEADLINE_MS = 60_000;
/** Starts tried with fresh free ports when one was taken in between (--base-port 0). */
const START_ATTEMPTS = 5;

/**
 * Starts the plan's processes into `roster`. Resolves with null once every one is ready, or with
 * the exit code for npm run cluster when the start failed (every process is then stopped) or was
 * interrupted (`signalled`: Ctrl-C while starting, which is no failure).
 */
export async function startCluster(plan: ClusterPlan, roster: Roster, signalled: Promise<unknown>): Promise<number | null> {
  const { basePort, count, host, freeControllerPort, dataRoot, choice } = plan;
  const attempts = basePort === 0 || freeControllerPort ? START_ATTEMPTS : 1;
  let interrupted = false;
  void signalled.then(() => (interrupted = true));
  /** Resolves once every one of `group` is ready, or with what went wrong first (a member that exited). */
  const ready = (group: Member[]) =>
    Promise.race([
      Promise.all(group.map((member) => member.listening)).then(() => 'ready' as const),
      ...roster.everyone().map((member) => member.exited.then(() => member)),
      signalled.then(() => 'signalled' as const),
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), START_DEADLINE_MS).unref()),
    ]);
  for (let attempt = 1; ; attempt++) {
    const free = (basePort === 0 ? count : 0) + (freeControllerPort ? 1 : 0);
    const picked = free > 0 ? await pickFreePorts(free, host) : [];
    const ports = basePort === 0 ? picked.slice(0, count) : Array.from({ length: count }, (_, i) => basePort + i);
    const layout = ports.map((port, i) => ({ id: i + 1, host, port }));
    let outcome: Awaited<ReturnType<typeof ready>> = 'ready';
    if (plan.withController) {
      const self = { id: 0, host, port: plan.fixedControllerPort ?? picked.at(-1)! };
      const dataDir = path.join(dataRoot, 'controller');
      roster.controller = new Member(self.id, host, self.port, 'controller 0', dataDir, controllerArgs(self, dataDir, choice, host, plan.controllerPassed));
      outcome = await ready([roster.controller]);
    }
    if (outcome === 'ready') {
      const controllerAddress = roster.controller ? `${roster.controller.host}:${roster.controller.port}` : undefined;
      roster.brokers = layout.map((member) => {
        const dataDir = path.join(dataRoot, `broker-${member.id}`);
        return new Member(member.id, member.host, member.port, `broker ${member.id}`, dataDir, brokerArgs(member, layout, controllerAddress, dataDir, choice, plan.brokerPassed));
      });
      outcome = await ready(roster.brokers);
    }
    if (outcome === 'ready') return null;
    await roster.stopAll();
    // Told to stop while starting: whatever else happened meanwhile (a broker that took the same
    // Ctrl-C and exited first) is no failure.
    if (outcome === 'signalled' || interrupted) return 0;
    if (outcome === 'late') {
      const late = roster.everyone().filter((member) => !member.listens).map((member) => member.name);
      console.error(colour.red(`${late.join(', ')}: not ready within ${START_DEADLINE_MS / 1000} s; every process is stopped.`));
      return 1;
    }
    const picking = outcome === roster.controller ? freeControllerPort : basePort === 0;
    if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && picking && attempt < attempts) {
      console.log(colour.yellow(`Port ${outcome.port} was taken between picking it and binding it; starting again with other free ports.`));
      roster.clear();
      continue;
    }
    reportDeath(outcome, 'before it was ready');
    if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && outcome === roster.controller) {
      console.error(`The controller needs port ${outcome.port}. Pick another with --controller-port${basePort === 0 ? '' : ', or --base-port 0 for free ones'}.`);
    } else if (outcome.exit?.code === PORT_TAKEN_EXIT_CODE && basePort !== 0) {
      console.error(`The cluster needs ports ${basePort} to ${basePort + count - 1}. Pick others with --base-port, or --base-port 0 for free ones.`);
    }
    console.error(colour.red('Every other process is stopped.'));
    return 1;
  }
}
