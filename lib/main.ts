// The workshop's command line: `npm run <command> [step] [-- options]`.
import { UnknownStepError } from './steps.ts';
import { UserError, colour } from './output.ts';

type Run = (args: string[]) => number | Promise<number>;

// Each command is loaded when it runs, so a quick one (a broker process) does not wait for the
// test runner or the slide builder to load.
const commands: Record<string, { run: Run; help: string }> = {
  step: { run: async (args) => (await import('./cli/commands/step.ts')).stepCommand(args, 'student'), help: 'npm run step 01 [-- --watch]    run a step\'s tests on your code' },
  solution: { run: async (args) => (await import('./cli/commands/step.ts')).stepCommand(args, 'solution'), help: 'npm run solution 01            the same tests on the reference' },
  hint: { run: async (args) => (await import('./cli/commands/hint.ts')).hintCommand(args), help: 'npm run hint 01 [-- 2|--reset]  the next hint for a step' },
  diff: { run: async (args) => (await import('./cli/commands/diff.ts')).diffCommand(args), help: 'npm run diff 01                your src/ against the reference' },
  reset: { run: async (args) => (await import('./cli/commands/reset.ts')).resetCommand(args), help: 'npm run reset 01 [-- --yes]    back to the untouched starter (with a backup)' },
  migrate: { run: async (args) => (await import('./cli/commands/migrate.ts')).migrateCommand(args), help: 'npm run migrate [01]           move files from before the rooms (src/log.ts) into them' },
  progress: { run: async () => (await import('./cli/commands/progress.ts')).progressCommand(), help: 'npm run progress               how far you are in every step' },
  demo: { run: async (args) => (await import('./cli/commands/demo.ts')).demoCommand(args), help: 'npm run demo 01 [-- --mine]    the step\'s live demo' },
  repl: { run: async (args) => (await import('./cli/commands/repl.ts')).replCommand(args), help: 'npm run repl 01                a TypeScript REPL with the step loaded' },
  broker: { run: async (args) => (await import('./cli/commands/broker.ts')).brokerCommand(args), help: 'npm run broker -- --id 1       one broker process (-- --help lists its flags)' },
  controller: { run: async (args) => (await import('./cli/commands/controller.ts')).controllerCommand(args), help: 'npm run controller             the cluster controller as a process (step 08 on; -- --help)' },
  cluster: { run: async (args) => (await import('./cli/commands/cluster.ts')).clusterCommand(args), help: 'npm run cluster -- --brokers 3 a cluster of broker processes (-- --help)' },
  bench: { run: async (args) => (await import('./bench/main.ts')).benchCommand(args), help: 'npm run bench [-- --quick]     throughput and latency against this machine\'s limits' },
  chaos: { run: async (args) => (await import('./chaos/command.ts')).chaosCommand(args), help: 'npm run chaos [-- --kills 50]  kill brokers under load, then check nothing acked was lost' },
  dashboard: { run: async (args) => (await import('./cli/commands/dashboard.ts')).dashboardCommand(args), help: 'npm run dashboard -- -b host:port a live view of the cluster in the browser (-- --help)' },
  doctor: { run: async () => (await import('./cli/commands/doctor.ts')).doctorCommand(), help: 'npm run doctor                 is this machine ready?' },
  generate: { run: async (args) => (await import('./cli/commands/generate.ts')).generateCommand(args), help: 'npm run generate [01]          (maintainers) starters from solutions' },
  carry: { run: async (args) => (await import('./cli/commands/carry.ts')).carryCommand(args), help: 'npm run carry 04               (maintainers) merge a fix in 04 into 05, 06, …' },
  verify: { run: async (args) => (await import('./cli/commands/verify.ts')).verifyCommand(args), help: 'npm test [-- 01]               (maintainers) prove the whole workshop' },
};

// `npm run diff 01 | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.log(`Commands:\n${Object.values(commands).map((entry) => `  ${entry.help}`).join('\n')}`);
    return name ? 1 : 0;
  }
  return command.run(args);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UserError || error instanceof UnknownStepError) {
      console.error(colour.red(error.message));
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
