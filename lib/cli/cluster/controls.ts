// The dashboard's buttons for a cluster npm run cluster started: kill -9, pause (SIGSTOP),
// resume (SIGCONT) and restart a broker on the same port with the same data dir, and the state
// of every process as the dashboard shows it.
import type { ProcessState } from '../../dashboard/poller.ts';
import type { Controls } from '../../dashboard/server.ts';
import { address, Member, stopMember } from './member.ts';
import type { Roster } from './roster.ts';

/** A process as the dashboard shows it. */
export function processState(member: Member): ProcessState {
  return {
    id: member.id,
    host: member.host,
    port: member.port,
    pid: member.pid,
    state: member.exit ? 'exited' : member.paused ? 'paused' : member.listens ? 'running' : 'starting',
    detail: member.exit ? `its process exited (${member.exit.signal ?? `code ${member.exit.code}`})` : member.listens ? 'running' : 'starting',
  };
}

/** The buttons, acting on the brokers of `roster`; `watch` follows a restarted broker as the first one was. */
export function clusterControls(roster: Roster, watch: (member: Member) => void): Controls {
  const find = (id: number) => {
    const member = roster.brokers.find((candidate) => candidate.id === id);
    if (!member) throw new Error(`There is no broker ${id} in this cluster.`);
    return member;
  };
  const running = (id: number) => {
    const member = find(id);
    if (member.exit) throw new Error(`Broker ${id} is not running.`);
    return member;
  };
  const restarting = new Set<number>();
  return {
    async kill(id) {
      const member = running(id);
      await member.kill('SIGKILL');
      return `kill -9 broker ${id} (pid ${member.pid})`;
    },
    async pause(id) {
      const member = running(id);
      member.pause();
      return `Paused broker ${id} (SIGSTOP to pid ${member.pid})`;
    },
    async resume(id) {
      const member = running(id);
      member.resume();
      return `Resumed broker ${id} (SIGCONT to pid ${member.pid})`;
    },
    async restart(id) {
      const old = find(id);
      if (restarting.has(id)) throw new Error(`Broker ${id} is already restarting.`);
      restarting.add(id);
      try {
        if (!old.exit) await stopMember(old);
        const fresh = new Member(old.id, old.host, old.port, old.name, old.dataDir, old.args);
        roster.brokers = roster.brokers.map((member) => (member === old ? fresh : member));
        watch(fresh);
        const outcome = await Promise.race([fresh.listening.then(() => 'ready' as const), fresh.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') throw new Error(`Broker ${id} exited while starting again; the cluster's log says why.`);
        console.log(`  ${fresh.name}  ${address(fresh)}  pid ${fresh.pid}  ${fresh.dataDir}  (restarted from the dashboard)`);
        return `Restarted broker ${id} (pid ${fresh.pid}, same port and data dir)`;
      } finally {
        restarting.delete(id);
      }
    },
  };
}
