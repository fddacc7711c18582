// The processes of a running cluster, the controller (from step 08) and the brokers, and how
// they all stop: every broker gets SIGTERM (SIGKILL after a grace period), the controller after
// them, so that no broker loses its controller while it is still shutting down.
import { stopMember, type Member } from './member.ts';

export class Roster {
  controller: Member | null = null;
  brokers: Member[] = [];
  /** Set once stopping has begun: a process that exits from then on was asked to. */
  stopping = false;
  private stopped: Promise<void> | null = null;

  /** Every process, the controller first. */
  everyone(): Member[] {
    return [...(this.controller ? [this.controller] : []), ...this.brokers];
  }

  /** Stops them all (once, however often it is called); resolves when every one has exited. */
  stopAll(): Promise<void> {
    this.stopping = true;
    this.stopped ??= Promise.all(this.brokers.map((broker) => stopMember(broker)))
      .then(() => this.controller && stopMember(this.controller))
      .then(() => {});
    return this.stopped;
  }

  /** After a start that failed and was stopped: empty again, for another attempt. */
  clear(): void {
    this.stopping = false;
    this.stopped = null;
    this.controller = null;
    this.brokers = [];
  }
}
