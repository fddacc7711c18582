// The process side of npm run broker and npm run controller: the chosen step's Broker (or
// Controller) runs in this process, says once where it listens, and stops cleanly on Ctrl-C or
// SIGTERM. Started by npm run cluster (KFS_BROKER_CHILD), it leaves the notes to the cluster and
// tells it on the IPC channel when it is ready.
import path from 'node:path';
import { PORT_TAKEN_EXIT_CODE, isPortTaken } from '../ports.ts';
import { has } from '../step-features.ts';
import { todoIn } from '../source/markers.ts';
import type { SourceChoice } from './choose-source.ts';
import { importStepApi } from '../step-api.ts';
import { colour } from '../output.ts';
import type { BrokerFlag } from './broker-flags.ts';

/**
 * Set by `npm run cluster` for the brokers (and the controller) it starts: it prints the notes and
 * the advice itself, once for all of them, and each stops when the cluster process goes away.
 */
export const IN_CLUSTER = process.env.KFS_BROKER_CHILD === '1';

/** What serveProcess runs: `new <className>(options)` from the chosen code. */
export interface Served {
  /** The class index.ts exports: a Broker, or from step 08 a Controller. */
  className: 'Broker' | 'Controller';
  /** The step it arrives in, for the message when index.ts has no such export. */
  arrives: string;
  /** The options to construct it with: id, host, port, dataDir, … */
  options: Record<string, unknown>;
  /** The options the flags set (for the notes on flags this step does not know yet). */
  given: Record<string, unknown>;
  flags: readonly BrokerFlag[];
  choice: SourceChoice;
  /** More advice after "start it on another port: --port N, or --port 0 for any free one". */
  portAdvice: string;
}

/**
 * Runs a broker or a controller in this process: starts it, says once where it listens ("Broker 2
 * listening on 127.0.0.1:9093", "Controller 0 listening on …"), and stops it cleanly on Ctrl-C or
 * SIGTERM (a second one gives up waiting). A taken port ends the process with PORT_TAKEN_EXIT_CODE.
 */
export async function serveProcess(served: Served): Promise<number> {
  const { className, options, choice } = served;
  const what = className.toLowerCase();
  const name = `${className} ${String(options.id)}`;
  const stepNumber = String(choice.step.number).padStart(2, '0');
  const shown = path.relative(process.cwd(), path.dirname(choice.file)) || '.';
  type Server = { start(): Promise<{ host: string; port: number } | undefined>; stop(): Promise<void> };
  const api = await importStepApi<Record<string, new (options: Record<string, unknown>) => Server>>(choice.file, [className], `the ${what} arrives in ${served.arrives}`);
  const Class = api[className]!;
  if (!IN_CLUSTER) {
    const ignored = served.flags.filter((flag) => flag.since > choice.step.number && served.given[flag.option] !== undefined);
    for (const flag of ignored) {
      process.stderr.write(colour.yellow(`Note: step ${stepNumber}'s ${what} has no ${flag.option} option (it arrives in step ${String(flag.since).padStart(2, '0')}), so ${flag.flag} changes nothing.\n`));
    }
    const data = has(choice.step.number, 'log') ? `, data in ${String(options.dataDir)}` : '';
    process.stderr.write(colour.dim(`Running ${shown}${choice.mine ? '' : ' (the reference; --mine runs yours)'}${data}. Ctrl-C stops it.\n`));
  }

  // A stub the student has not written yet is no crash: say which one, and what to do. Either
  // way the process ends here, whatever the broker left running (a timer, a half-open listener).
  const failed = (error: unknown): never => {
    const todo = todoIn(String((error as Error)?.message ?? error));
    if (todo) {
      console.error(colour.red(`The ${what} reached code you have not written yet:\n  ${todo}`));
      console.error(`Make npm run step ${stepNumber} pass first${choice.mine ? ' (or run the reference: leave out --mine)' : ''}.`);
    } else {
      console.error(error);
    }
    process.exit(1);
  };

  // Every step's Broker (and Controller) logs "Broker 2 listening on 127.0.0.1:9093" itself once
  // it listens; only one that does not (a student's, half written) gets that line from here.
  let announced = false;
  const log = (line: string) => {
    if (/ listening on /.test(line)) announced = true;
    console.log(line);
  };
  // Asked for now, before start(): a broker says it listens before start() resolves (a step 08
  // broker then registers), and a SIGTERM in between must stop it cleanly, not end the process.
  const stopRequested = stopRequest();
  let server;
  let address;
  try {
    server = new Class({ ...options, log });
    address = await server.start();
  } catch (error) {
    if (isPortTaken(error)) {
      console.error(colour.red(`Port ${String(options.port)} on ${String(options.host)} is taken: another broker, a real Kafka or a demo still listens there (EADDRINUSE).`));
      if (!IN_CLUSTER) console.error(`Stop it, or start this ${what} on another port: --port ${Number(options.port) + 1}, or --port 0 for any free one${served.portAdvice}. npm run doctor shows which demo ports are in use.`);
      process.exit(PORT_TAKEN_EXIT_CODE);
    }
    return failed(error);
  }
  if (!announced) console.log(`${name} listening on ${address?.host ?? String(options.host)}:${address?.port ?? String(options.port)}`);
  // npm run cluster waits for this rather than the line: a step-08 broker listens before it has
  // registered with the controller, and start() resolves only once it has.
  if (IN_CLUSTER) process.send?.({ ready: address?.port ?? options.port });

  const stopping = await stopRequested;
  // A second Ctrl-C (or a second SIGTERM) gives up on a stop that hangs; the other kind of signal
  // is ignored, since it only says again what was already asked (`npm run cluster` sends SIGTERM
  // to brokers that the terminal has already sent SIGINT to).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (signal !== stopping) return;
      console.error(colour.red(`${name}: stopped without waiting for a clean stop.`));
      process.exit(1);
    });
  }
  try {
    await server.stop();
  } catch (error) {
    failed(error);
  }
  // Whatever a half-written broker left running (a timer, a connection), the process ends here.
  process.exit(0);
}

/**
 * Resolves on SIGINT or SIGTERM with that signal's name. Started by `npm run cluster`, it also
 * resolves when the cluster process goes away, which closes the broker's stdin (a pipe from it):
 * a cluster killed with SIGKILL leaves no broker behind.
 */
function stopRequest(): Promise<NodeJS.Signals | 'parent gone'> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (IN_CLUSTER) {
      process.stdin.once('end', () => resolve('parent gone'));
      process.stdin.once('error', () => resolve('parent gone'));
      process.stdin.resume();
    }
  });
}
