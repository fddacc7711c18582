// The child side of broker-process.ts: start one broker and report its port on stdout.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [srcDir, optionsJson = '{}'] = process.argv.slice(2);
if (!srcDir) throw new Error('usage: broker-process-entry.ts <srcDir> [optionsJson]');

const { Broker } = await import(pathToFileURL(path.join(srcDir, 'index.ts')).href);
const broker = new Broker({ host: '127.0.0.1', port: 0, ...JSON.parse(optionsJson) });
const address = await broker.start();
process.stdout.write(`READY ${address.port}\n`);

process.on('SIGTERM', () => {
  void Promise.resolve(broker.stop()).finally(() => process.exit(0));
});
