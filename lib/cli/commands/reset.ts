// `npm run reset NN`: put the untouched starter back, after copying the student's files aside.
// The starter is made from the reference; a copy without solutions/ takes it from git instead.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { BACKUPS_DIR, ROOT } from '../../paths.ts';
import { writeStarter } from '../../source/starter.ts';
import { findStep, type Step } from '../../steps.ts';
import { rememberUntouched } from '../edits.ts';
import { UserError, colour, ok, referenceMissing } from '../../output.ts';

export async function resetCommand(args: string[]): Promise<number> {
  const step = findStep(args.find((arg) => !arg.startsWith('--')));
  const where = path.relative(ROOT, step.srcDir);
  const fromReference = fs.existsSync(step.solutionSrcDir);
  // Checked before anything is touched: without a starter to put back, the student's files stay.
  if (!fromReference && !gitTracks(step.srcDir)) {
    throw new UserError(`Cannot reset ${where}: there is nothing to make the untouched starter from. ${referenceMissing(step.solutionSrcDir)}`);
  }
  if (!args.includes('--yes')) {
    if (!process.stdin.isTTY) throw new UserError(`Not resetting ${where} without a yes: run npm run reset ${step.name} -- --yes`);
    const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
    const question = fromReference ? `Replace ${where} with the untouched starter?` : `Replace ${where} with the version of git's last commit?`;
    const answer = await prompt.question(`${question} Your files are backed up first. [y/N] `);
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
  if (fromReference) {
    writeStarter(step, step.srcDir);
    rememberUntouched(step);
    ok(`${where} is the untouched starter again.`);
  } else {
    restoreFromGit(step);
    ok(`${where} is as git's last commit has it (without solutions/, git is where the starter comes from).`);
  }
  if (fs.existsSync(backup)) console.log(colour.dim(`Your files are in ${path.relative(ROOT, backup)}`));
  return 0;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether git's HEAD has files in `dir`; false without git. */
function gitTracks(dir: string): boolean {
  try {
    return git('ls-tree', '-r', '--name-only', 'HEAD', '--', path.relative(ROOT, dir).split(path.sep).join('/')).trim() !== '';
  } catch {
    return false;
  }
}

/** src/ exactly as HEAD has it: files added since are removed (they are in the backup). */
function restoreFromGit(step: Step): void {
  fs.rmSync(step.srcDir, { recursive: true, force: true });
  git('checkout', 'HEAD', '--', path.relative(ROOT, step.srcDir).split(path.sep).join('/'));
}
