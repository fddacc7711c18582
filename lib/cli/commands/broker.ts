// `npm run broker -- --id 2 --port 9093 --data-dir DIR [--cluster 1@127.0.0.1:9092,2@…] …`: one
// broker as a process of its own, the newest step's reference by default (`--step NN` another,
// `--mine` yours, chosen as kcat chooses: choose-source.ts). Broker-wide settings are flags with
// Kafka's names, mapped to the Broker's options by the table in broker-flags.ts. It prints "Broker 2
// listening on 127.0.0.1:9093" once it serves, logs what the broker does on stdout, and stops
// cleanly on Ctrl-C or SIGTERM (a second Ctrl-C gives up waiting; serve-process.ts). `npm run
// cluster` starts several, and `npm run controller` (controller.ts) runs a step-08 controller the same way.
import { BROKER_FLAGS, CONTROLLER_ONLY_FLAGS, brokerOptions, flagLines, parseBrokerFlags, sourceLines } from '../broker-flags.ts';
import { chooseCode, sourceFlags } from '../choose-source.ts';
import { UserError, colour } from '../../output.ts';
import { IN_CLUSTER, serveProcess } from '../serve-process.ts';
import { has } from '../../step-features.ts';

export function brokerUsage(): string {
  const width = Math.max(...BROKER_FLAGS.map((flag) => flag.flag.length)) + 4;
  return [
    'npm run broker -- [flags]: one broker process; it runs until Ctrl-C.',
    '',
    ...flagLines(BROKER_FLAGS, width),
    ...sourceLines(width),
    '',
    'Example: npm run broker -- --id 2 --cluster 1@127.0.0.1:9092,2@127.0.0.1:9093 --data-dir /tmp/b2',
    'From step 08: npm run broker -- --id 1 --port 9092 --controller 127.0.0.1:9093 --data-dir /tmp/b1 (after npm run controller)',
  ].join('\n');
}


export async function brokerCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(brokerUsage());
    return 0;
  }
  const source = sourceFlags(args);
  const parsed = parseBrokerFlags(source.rest);
  const choice = chooseCode({ file: 'index.ts', what: 'broker', arrives: 'step 01' }, source);
  const options = brokerOptions(parsed.options, choice.step.number);
  const stepNumber = String(choice.step.number).padStart(2, '0');
  for (const flag of BROKER_FLAGS) {
    if (flag.until && choice.step.number > flag.until.step && parsed.options[flag.option] !== undefined) {
      throw new UserError(`Step ${stepNumber}'s broker has no ${flag.flag}: ${flag.until.why}.`);
    }
  }
  if (!IN_CLUSTER && has(choice.step.number, 'controller') && options.controller !== undefined) {
    for (const flag of BROKER_FLAGS.filter((known) => CONTROLLER_ONLY_FLAGS.includes(known.flag) && parsed.options[known.option] !== undefined)) {
      process.stderr.write(colour.yellow(`Note: ${flag.flag} is the controller's setting; a broker with --controller changes nothing with it (give it to npm run controller).\n`));
    }
  }
  return serveProcess({
    className: 'Broker',
    arrives: 'step 01',
    options,
    given: parsed.options,
    flags: BROKER_FLAGS,
    choice,
    portAdvice: options.cluster ? ' (and change --cluster to match)' : '',
  });
}

