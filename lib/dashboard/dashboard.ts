// A live view of a running cluster in the browser, served on 127.0.0.1 (npm run dashboard, and
// npm run cluster -- --dashboard, which adds the buttons that kill, pause and restart brokers). It
// loads the chosen step's own client code (its Connection and decodeAssignment) and asks the
// brokers with the step's own requests.
import { importStepApi } from '../step-api.ts';
import { arrives } from '../step-features.ts';
import { Poller, type DashboardApi, type ProcessState } from './poller.ts';
import { startDashboard, type Controls, type Dashboard } from './server.ts';

export interface ClusterDashboardOptions {
  /** The step's code to load: its index.ts, and whether it is the student's own (choose-source.ts chose it). */
  choice: { file: string; mine: boolean; step: { number: number; name: string } };
  bootstrap: Array<{ host: string; port: number }>;
  controller?: { id: number; host: string; port: number } | null;
  port?: number;
  processes?: () => { brokers: ProcessState[]; controller: ProcessState | null };
  controls?: Controls;
  intervalMs?: number;
}

/** Loads the step's code, starts polling and serving; stop() ends both. */
export async function startClusterDashboard(options: ClusterDashboardOptions): Promise<Dashboard> {
  const api = await importStepApi<DashboardApi>(options.choice.file, ['Connection'], `the dashboard asks the brokers with the step's Connection (${arrives('consumer')} on)`);
  const poller = new Poller({
    api,
    step: { number: options.choice.step.number, name: options.choice.step.name },
    source: options.choice.mine ? 'your code (--mine)' : 'the reference',
    bootstrap: options.bootstrap,
    controller: options.controller ?? null,
    processes: options.processes,
  });
  const dashboard = await startDashboard({ poll: () => poller.poll(), port: options.port ?? 0, controls: options.controls, intervalMs: options.intervalMs });
  return {
    ...dashboard,
    async stop() {
      await dashboard.stop();
      await poller.close();
    },
  };
}
