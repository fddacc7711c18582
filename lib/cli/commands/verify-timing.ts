// How long each phase of `npm test` took (lib/cli/commands/verify.ts prints it at the end).
import os from 'node:os';
import { colour, heading } from '../../output.ts';

/** Wall time per phase. Phases 4 to 9 share the pool, so each spans from its first run's start to its last run's end, and they overlap. */
export class Timing {
  private readonly phases: Phase[] = [];

  constructor(private readonly started: number) {}

  phase(title: string): Phase {
    const phase = new Phase(title);
    this.phases.push(phase);
    return phase;
  }

  print(): void {
    const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    heading(`Wall time per phase (${os.availableParallelism()} runs at a time; phases 4 to 9 overlap)`);
    for (const phase of this.phases) {
      if (phase.to < phase.from) continue;
      const span = colour.dim(`${secs(phase.from - this.started)} → ${secs(phase.to - this.started)}`);
      console.log(`  ${phase.title.padEnd(26)} ${secs(phase.to - phase.from).padStart(8)}   ${span}`);
    }
    console.log(`  ${'total'.padEnd(26)} ${secs(Date.now() - this.started).padStart(8)}`);
  }
}

export class Phase {
  from = Infinity;
  to = -Infinity;

  constructor(readonly title: string) {}

  /** The job, noting when it starts and ends. */
  timed<T>(job: () => Promise<T>): () => Promise<T> {
    return async () => {
      this.from = Math.min(this.from, Date.now());
      try {
        return await job();
      } finally {
        this.to = Math.max(this.to, Date.now());
      }
    };
  }
}
