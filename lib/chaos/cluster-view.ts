// The cluster as its controller sees it: who leads each partition of the chaos topic, who is in
// sync. The nemesis asks it whom to kill and waits on it for elections and for the cluster to heal.
// The controller is never a victim in this run, so one connection to it serves the whole run.
import { within } from '../testing/wait.ts';
import type { PartitionInfo, StepApi, StepConnection } from '../step-api.ts';

/** How long one metadata request may take before it counts as no answer. */
const ASK_MS = 5_000;
/** How often a wait asks again. */
const POLL_MS = 100;

export class ClusterView {
  private readonly controller: StepConnection;

  constructor(
    api: StepApi,
    host: string,
    port: number,
    readonly topic: string,
  ) {
    this.controller = new api.Connection(host, port);
  }

  /** Every partition of the topic, in partition order, as the controller has it now. */
  async partitions(): Promise<PartitionInfo[]> {
    const { topics } = await within(this.controller.request({ type: 'metadata', topics: [this.topic] }), ASK_MS, 'the controller did not answer a metadata request');
    const topic = topics.find((candidate) => candidate.name === this.topic);
    if (!topic || topic.error) throw new Error(`the controller does not know topic ${this.topic}${topic?.error ? `: ${topic.error.code}` : ''}`);
    return [...topic.partitions].sort((a, b) => a.partition - b.partition);
  }

  /**
   * Asks until `done` holds for the partitions, and resolves with them; after `ms` rejects with
   * `what` and the partitions as they were last seen. A request that fails is asked again.
   */
  async waitFor(done: (partitions: PartitionInfo[]) => boolean, ms: number, what: string): Promise<PartitionInfo[]> {
    const deadline = Date.now() + ms;
    let last: PartitionInfo[] | null = null;
    let lastError: unknown = null;
    for (;;) {
      try {
        last = await this.partitions();
        if (done(last)) return last;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() >= deadline) {
        const seen = last ? describePartitions(this.topic, last) : `no answer from the controller (${(lastError as Error | null)?.message ?? '?'})`;
        throw new Error(`${what} within ${ms / 1000} s; the controller has ${seen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  close(): Promise<void> {
    return this.controller.close();
  }
}

/** Every partition has a leader and every replica back in its ISR. */
export function healthy(partitions: PartitionInfo[]): boolean {
  return partitions.every((partition) => partition.leader >= 0 && partition.replicas.every((replica) => partition.isr.includes(replica)));
}

/** Every partition has a leader (some replicas may still be catching up). */
export function everyPartitionLed(partitions: PartitionInfo[]): boolean {
  return partitions.every((partition) => partition.leader >= 0);
}

/** "chaos-0 leader 2 isr [2,1,3], chaos-1 …": for messages. */
export function describePartitions(topic: string, partitions: PartitionInfo[]): string {
  return partitions.map((partition) => `${topic}-${partition.partition} leader ${partition.leader} isr [${partition.isr.join(',')}]`).join(', ');
}
