// The workshop's command line: `npm run <command> [step] [-- options]`.
import { UnknownStepError } from '../steps.ts';
import { carryCommand } from './commands/carry.ts';
import { demoCommand } from './commands/demo.ts';
import { diffCommand } from './commands/diff.ts';
import { doctorCommand } from './commands/doctor.ts';
import { generateCommand } from './commands/generate.ts';
import { hintCommand } from './commands/hint.ts';
import { progressCommand } from './commands/progress.ts';
import { replCommand } from './commands/repl.ts';
import { resetCommand } from './commands/reset.ts';
import { stepCommand } from './commands/step.ts';
import { verifyCommand } from './commands/verify.ts';
import { UserError, colour } from './output.ts';

const commands: Record<string, { run: (args: string[]) => number | Promise<number>; help: string }> = {
  step: { run: (args) => stepCommand(args, 'student'), help: 'npm run step 01 [-- --watch]    run a step\'s tests on your code' },
  solution: { run: (args) => stepCommand(args, 'solution'), help: 'npm run solution 01            the same tests on the reference' },
  hint: { run: hintCommand, help: 'npm run hint 01 [-- 2|--reset]  the next hint for a step' },
  diff: { run: diffCommand, help: 'npm run diff 01                your src/ against the reference' },
  reset: { run: resetCommand, help: 'npm run reset 01 [-- --yes]    back to the untouched starter (with a backup)' },
  progress: { run: progressCommand, help: 'npm run progress               how far you are in every step' },
  demo: { run: demoCommand, help: 'npm run demo 01 [-- --mine]    the step\'s live demo' },
  repl: { run: replCommand, help: 'npm run repl 01                a TypeScript REPL with the step loaded' },
  doctor: { run: doctorCommand, help: 'npm run doctor                 is this machine ready?' },
  generate: { run: generateCommand, help: 'npm run generate [01]          (maintainers) starters from solutions' },
  carry: { run: carryCommand, help: 'npm run carry 04               (maintainers) merge a fix in 04 into 05, 06, …' },
  verify: { run: verifyCommand, help: 'npm test [-- 01]               (maintainers) prove the whole workshop' },
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
