// `npm run dashboard -- -b 127.0.0.1:9092 [--port N] [--controller host:port] [--step NN|--mine]`:
// a read-only live view of a running cluster in the browser (lib/dashboard). `npm run cluster --
// … --dashboard` starts one with the cluster, with the buttons that kill, pause and restart brokers.
import { startClusterDashboard } from '../../dashboard/dashboard.ts';
import { arrives, has } from '../../step-features.ts';
import { chooseCode, sourceFlags } from '../choose-source.ts';
import { UserError, colour } from '../../output.ts';

const USAGE = [
  'npm run dashboard -- -b 127.0.0.1:9092 [flags]: a live view of the cluster in the browser (read-only).',
  '',
  '  -b host:port[,…]        brokers to start from (the others are learnt from metadata)',
  '  --port N                the page\'s port on 127.0.0.1 (a free one)',
  '  --controller host:port  the controller process (step 08 on), to show whether it is up',
  "  --step NN               ask with step NN's client code (default: the newest step's)",
  '  --mine                  ask with your own code',
  '',
  'npm run cluster -- --brokers 3 --topics test-topic:3:3 --dashboard starts a cluster with a dashboard that can also kill, pause and restart its brokers.',
].join('\n');

export async function dashboardCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const source = sourceFlags(args);
  const rest = source.rest;
  const value = (flag: string) => {
    const at = rest.indexOf(flag);
    if (at < 0) return undefined;
    const given = rest[at + 1];
    if (given === undefined || given.startsWith('-')) throw new UserError(`${flag} needs a value.\n\n${USAGE}`);
    return given;
  };
  const known = new Set(['-b', '--bootstrap-server', '--port', '--controller']);
  for (let i = 0; i < rest.length; i += 2) if (!known.has(rest[i]!)) throw new UserError(`Unknown argument ${rest[i]}.\n\n${USAGE}`);
  const servers = value('-b') ?? value('--bootstrap-server');
  if (!servers) throw new UserError(`Which cluster? Name a broker with -b host:port.\n\n${USAGE}`);
  const bootstrap = servers.split(',').filter(Boolean).map((server) => parseAddress(server, '-b'));
  const portText = value('--port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError(`--port: "${portText}" is not a port number.`);
  const controllerText = value('--controller');
  const controller = controllerText ? { id: 0, ...parseAddress(controllerText, '--controller') } : null;
  const choice = chooseCode({ file: 'index.ts', what: 'dashboard', arrives: arrives('consumer') }, source);
  if (!has(choice.step.number, 'consumer')) throw new UserError(`Step ${choice.step.name} has no consumer or metadata yet; the dashboard works from ${arrives('consumer')} on (--step 07 or later shows replication).`);
  const dashboard = await startClusterDashboard({ choice, bootstrap, controller, port });
  console.log(`Dashboard of ${bootstrap.map(({ host, port: p }) => `${host}:${p}`).join(',')} (${choice.step.name}): ${colour.bold(dashboard.url)}`);
  console.log(colour.dim('Read-only: npm run cluster -- --dashboard adds kill, pause and restart buttons. Ctrl-C stops it.'));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await dashboard.stop();
  return 0;
}

function parseAddress(text: string, flag: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65_535) throw new UserError(`${flag}: "${text}" is not host:port (for example 127.0.0.1:9092).`);
  return { host: match[1]!, port };
}
