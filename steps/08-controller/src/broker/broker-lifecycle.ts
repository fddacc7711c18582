// A broker's standing with the controller: Kafka's BrokerLifecycleManager. It registers as the
// broker starts (trying until the controller answers), then heartbeats every
// `heartbeatIntervalMs`. If the controller says the broker is fenced (it was silent too long,
// or the controller forgot it), the broker registers again and gets a new broker epoch.
import { Connection } from '../network/connection.ts';

export interface BrokerLifecycleOptions {
  brokerId: number;
  /** Where clients reach this broker: what the controller tells everyone. */
  address: { host: string; port: number };
  controller: { host: string; port: number };
  /** KRaft's `broker.heartbeat.interval.ms` (2 s). */
  heartbeatIntervalMs: number;
  log: (line: string) => void;
}

export class BrokerLifecycle {
  private readonly connection: Connection;
  private brokerEpoch = -1;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastProblem = '';

  constructor(private readonly options: BrokerLifecycleOptions) {
    this.connection = new Connection(options.controller.host, options.controller.port);
  }

  /** Registers (retrying until the controller answers), then heartbeats on a timer. */
  async start(): Promise<void> {
    while (!this.stopped && this.brokerEpoch < 0) {
      try {
        await this.register();
      } catch (error) {
        this.problem(`Could not register with the controller at ${this.connection.address}: ${(error as Error).message}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, this.options.heartbeatIntervalMs));
      }
    }
    this.schedule();
  }

  private async register(): Promise<void> {
    const { brokerEpoch } = await this.connection.request({ type: 'brokerRegistration', brokerId: this.options.brokerId, ...this.options.address });
    this.brokerEpoch = brokerEpoch;
    this.options.log(`Registered with the controller (broker epoch ${brokerEpoch})`);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat().finally(() => this.schedule()), this.options.heartbeatIntervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const { isFenced } = await this.connection.request({ type: 'brokerHeartbeat', brokerId: this.options.brokerId, brokerEpoch: this.brokerEpoch });
      if (isFenced) {
        this.options.log('The controller has fenced this broker: registering again');
        await this.register();
      }
      this.lastProblem = '';
    } catch (error) {
      if (!this.stopped) this.problem(`Heartbeat to the controller failed: ${(error as Error).message}`);
    }
  }

  /** Says a problem once, not at every heartbeat. */
  private problem(message: string): void {
    if (message !== this.lastProblem) this.options.log(message);
    this.lastProblem = message;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer ?? undefined);
    await this.connection.close();
  }
}
