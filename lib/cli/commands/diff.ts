// `npm run diff NN`: the student's src/ against the reference, one coloured diff per file that differs.
import fs from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { ROOT } from '../../paths.ts';
import { stripMarkers, withoutSlideRegions } from '../../source/markers.ts';
import { isSource } from '../../source/starter.ts';
import { findStep, listFiles } from '../../steps.ts';
import { colour, howToGetSolutions } from '../../output.ts';

export function diffCommand(args: string[]): number {
  const step = findStep(args.find((arg) => !arg.startsWith('--')));
  if (!fs.existsSync(step.solutionSrcDir)) {
    // A copy without solutions/ is a way to take the workshop, not a broken install: say so in one line.
    const where = path.relative(ROOT, step.solutionSrcDir).split(path.sep).join('/');
    console.log(colour.dim(`Nothing to compare your code with: this copy has no ${where}/ (npm run step ${String(step.number).padStart(2, '0')} is the judge anyway). ${howToGetSolutions()}`));
    return 0;
  }
  const yours = new Set(listFiles(step.srcDir));
  const reference = new Set(listFiles(step.solutionSrcDir));
  let differing = 0;
  for (const relative of [...new Set([...yours, ...reference])].sort()) {
    const mine = read(step.srcDir, relative);
    const theirs = read(step.solutionSrcDir, relative);
    // The reference's step markers, of every kind, are bookkeeping for the generator and the drift check, not code to compare.
    const theirsClean = theirs !== null && isSource(relative) ? withoutSlideRegions(stripMarkers(theirs, relative)) : theirs;
    if (mine === theirsClean) continue;
    differing++;
    const patch = createTwoFilesPatch(
      `steps/${step.name}/src/${relative} (yours)`,
      `solutions/${step.name}/src/${relative} (reference)`,
      mine ?? '',
      theirsClean ?? '',
      mine === null ? 'missing' : '',
      theirsClean === null ? 'missing' : '',
      { context: 3 },
    );
    printPatch(patch);
  }
  const where = path.relative(ROOT, step.srcDir);
  if (differing === 0) console.log(colour.green(`${where} matches the reference exactly.`));
  else console.log(colour.dim(`\n${differing} file(s) differ. Lines with - are yours, + the reference's. A different answer can be a right one: the tests are the judge.`));
  return 0;
}

function read(dir: string, relative: string): string | null {
  const file = path.join(dir, ...relative.split('/'));
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

function printPatch(patch: string): void {
  for (const line of patch.split('\n')) {
    if (line.startsWith('===')) continue;
    if (line.startsWith('---') || line.startsWith('+++')) console.log(colour.bold(line));
    else if (line.startsWith('@@')) console.log(colour.cyan(line));
    else if (line.startsWith('+')) console.log(colour.green(line));
    else if (line.startsWith('-')) console.log(colour.red(line));
    else console.log(line);
  }
}
