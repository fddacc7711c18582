// `npm run generate [NN]`: write each step's starter from its solution (maintainers).
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../paths.ts';
import { committedText, starterEdits } from '../../source/sync.ts';
import { generateStarter } from '../../source/starter.ts';
import { findStep, listFiles, listSteps } from '../../steps.ts';
import { UserError, ok, referenceMissing } from '../../output.ts';

export function generateCommand(args: string[]): number {
  const force = args.includes('--force');
  const named = args.find((arg) => !arg.startsWith('--'));
  const steps = named ? [findStep(named)] : listSteps();
  for (const step of steps) {
    if (!fs.existsSync(step.solutionSrcDir)) throw new UserError(referenceMissing(step.solutionSrcDir));
    const files = generateStarter(step);
    // Never overwrite a student's work: a file that differs from both the new starter and
    // the committed one was edited by hand.
    for (const edit of force ? [] : (starterEdits(step, files) ?? [])) {
      if (edit.current === null || edit.starter === null) continue;
      if (edit.current !== committedText(edit.display)) {
        throw new UserError(`${edit.display} has changes that are not committed. Commit them, use npm run reset to keep a backup, or pass --force.`);
      }
    }
    // Remove starter files whose solution file is gone; files only a student made stay.
    for (const relative of listFiles(step.srcDir)) {
      const file = path.join(step.srcDir, ...relative.split('/'));
      const display = path.relative(ROOT, file).split(path.sep).join('/');
      if (!files.has(relative) && committedText(display) !== null) fs.rmSync(file);
    }
    for (const [relative, text] of files) {
      const file = path.join(step.srcDir, ...relative.split('/'));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    ok(`steps/${step.name}/src generated from solutions/${step.name}/src (${files.size} files)`);
  }
  return 0;
}
