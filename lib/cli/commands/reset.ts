// `npm run reset NN`: put the untouched starter back, after copying the student's files aside.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { BACKUPS_DIR, ROOT } from '../../paths.ts';
import { writeStarter } from '../../source/starter.ts';
import { findStep } from '../../steps.ts';
import { UserError, colour, ok } from '../output.ts';

export async function resetCommand(args: string[]): Promise<number> {
  const step = findStep(args.find((arg) => !arg.startsWith('--')));
  const where = path.relative(ROOT, step.srcDir);
  if (!args.includes('--yes')) {
    if (!process.stdin.isTTY) throw new UserError(`Not resetting ${where} without a yes: run npm run reset ${step.name} -- --yes`);
    const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question(`Replace ${where} with the untouched starter? Your files are backed up first. [y/N] `);
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      console.log('Nothing changed.');
      return 0;
    }
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const backup = path.join(BACKUPS_DIR, `${step.name}-${stamp}`);
  if (fs.existsSync(step.srcDir)) {
    fs.mkdirSync(backup, { recursive: true });
    fs.cpSync(step.srcDir, path.join(backup, 'src'), { recursive: true });
  }
  writeStarter(step, step.srcDir);
  ok(`${where} is the untouched starter again.`);
  if (fs.existsSync(backup)) console.log(colour.dim(`Your files are in ${path.relative(ROOT, backup)}`));
  return 0;
}
