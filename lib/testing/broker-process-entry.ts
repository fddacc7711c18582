// The child side of broker-process.ts: start one broker and report its port ({ ready: port } on the
// IPC channel, as lib/process/server-process.ts expects). With a
// third argument `Controller` it starts the step's Controller instead (step 08 on), the same way.
//
// A port someone else holds ends the process with PORT_TAKEN_EXIT_CODE, so the parent can pick
// other ports and try again; a TODO stub met while starting ends it with that TODO on stderr.
// With KFS_BROKER_LOG=1 the broker's log lines go to stdout too; with
// KFS_EXIT_WITH_PARENT=1 stdin is a pipe from the parent, and the broker stops when it closes,
// so a test runner that dies leaves no broker behind.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PORT_TAKEN_EXIT_CODE, isPortTaken } from '../ports.ts';

const [srcDir, optionsJson = '{}', className = 'Broker'] = process.argv.slice(2);
if (!srcDir || (className !== 'Broker' && className !== 'Controller')) throw new Error('usage: broker-process-entry.ts <srcDir> [optionsJson] [Broker|Controller]');

const api = await import(pathToFileURL(path.join(srcDir, 'index.ts')).href);
if (typeof api[className] !== 'function') throw new Error(`${path.join(srcDir, 'index.ts')} exports no ${className}${className === 'Controller' ? ' (the controller arrives in step 08)' : ''}`);
const printLog = process.env.KFS_BROKER_LOG === '1';
let started = false;
/**
 * The broker's log. While it starts, a TODO stub it meets (registering, loading metadata) is only
 * logged and retried by the broker; here it ends the process with the TODO, so whoever waits for
 * it to be ready hears which task is missing at once instead of a timeout.
 */
function log(line: string): void {
  if (printLog) process.stdout.write(`${line}\n`);
  const todo = started ? null : /TODO\(step \d{2}(?:, task \d+)?\): [^\n]*/.exec(line)?.[0].replace(/; retrying$/, '');
  if (todo) {
    process.stderr.write(`Error: ${todo}\n`);
    process.exit(1);
  }
}
const options = { host: '127.0.0.1', port: 0, ...JSON.parse(optionsJson), log };
// The broker or the controller: either listens on start() and stops on stop().
const server = new api[className](options);
let address: { port: number };
try {
  address = await server.start();
} catch (error) {
  if (!isPortTaken(error)) throw error;
  process.stderr.write(`EADDRINUSE: port ${options.port} on ${options.host} is taken\n`);
  process.exit(PORT_TAKEN_EXIT_CODE);
}
started = true;
process.send?.({ ready: address.port });

const stop = () => {
  void Promise.resolve(server.stop()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
if (process.env.KFS_EXIT_WITH_PARENT === '1') {
  process.stdin.once('end', stop);
  process.stdin.once('error', stop);
  process.stdin.resume();
}
