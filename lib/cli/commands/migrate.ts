// `npm run migrate [NN]`: for a student whose src/ predates the rooms (client/, broker/, storage/,
// … see lib/source/rooms.ts). Each file left at the root of a step's src/ (log.ts, partition.ts)
// goes to its room (storage/log.ts, broker/partition.ts), its relative imports rewritten for its
// new place; what stood there before (the starter) is copied to .kfs/backups/ first. `npm run
// step NN` names the files and points here.
import fs from 'node:fs';
import path from 'node:path';
import { BACKUPS_DIR, ROOT } from '../../paths.ts';
import { RELATIVE_IMPORT } from '../../source/rooms.ts';
import { findStep, listSteps, type Step } from '../../steps.ts';
import { colour, ok } from '../../output.ts';

export interface Moved {
  /** src-relative, with '/': where the student's file is, and where it belongs now. */
  from: string;
  to: string;
}

/** The files at the root of a step's src/ that now belong in a room, as the step's own layout says. */
export function filesToMove(step: Step): Moved[] {
  if (!fs.existsSync(step.srcDir)) return [];
  const inRooms = roomFiles(step.srcDir);
  return fs
    .readdirSync(step.srcDir)
    .filter((name) => name.endsWith('.ts') && name !== 'index.ts' && fs.statSync(path.join(step.srcDir, name)).isFile())
    .flatMap((name) => {
      const to = inRooms.get(name);
      return to ? [{ from: name, to }] : [];
    });
}

/** Each file in a room of `srcDir` by its name: "log.ts" → "storage/log.ts". */
function roomFiles(srcDir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of fs.readdirSync(srcDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'protocol') continue;
    for (const name of fs.readdirSync(path.join(srcDir, entry.name))) if (name.endsWith('.ts')) found.set(name, `${entry.name}/${name}`);
  }
  return found;
}

/** A sentence for `npm run step`: which files are where the rooms were not yet, and what to run. */
export function migrationAdvice(step: Step): string | null {
  const moves = filesToMove(step);
  if (moves.length === 0) return null;
  const lines = moves.map(({ from, to }) => `  src/${from}  →  src/${to}`);
  return [
    `Your ${path.relative(ROOT, step.srcDir)} has files where they were before src/ was arranged in rooms (client/, broker/, storage/, …):`,
    ...lines,
    `The tests use the files in the rooms, so your work there would not count. Run npm run migrate ${step.name.slice(0, 2)} to move yours into place: the files they replace are backed up first, and nothing you wrote is lost.`,
  ].join('\n');
}

/** Moves one step's files into their rooms; returns what moved. */
export function migrateStep(step: Step, backupDir: string): Moved[] {
  const moves = filesToMove(step);
  for (const { from, to } of moves) {
    const target = path.join(step.srcDir, to);
    if (fs.existsSync(target)) {
      fs.mkdirSync(path.dirname(path.join(backupDir, to)), { recursive: true });
      fs.copyFileSync(target, path.join(backupDir, to));
    }
    const text = fs.readFileSync(path.join(step.srcDir, from), 'utf8');
    fs.writeFileSync(target, rewriteImports(text, step.srcDir, from, to));
    fs.mkdirSync(backupDir, { recursive: true });
    fs.renameSync(path.join(step.srcDir, from), path.join(backupDir, `${from}.before-migrate`));
  }
  return moves;
}

/** The relative imports of a file moved from `from` to `to` (both src-relative), aimed at where their targets are now. */
export function rewriteImports(text: string, srcDir: string, from: string, to: string): string {
  const inRooms = roomFiles(srcDir);
  return text.replace(RELATIVE_IMPORT, (_whole, before: string, spec: string, after: string) => {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    const now = target.includes('/') ? target : (inRooms.get(target) ?? target);
    let relative = path.posix.relative(path.posix.dirname(to), now);
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${before}${relative}${after}`;
  });
}

export function migrateCommand(args: string[]): number {
  const named = args.find((arg) => !arg.startsWith('--'));
  const steps = named ? [findStep(named)] : listSteps();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let moved = 0;
  for (const step of steps) {
    const backupDir = path.join(BACKUPS_DIR, `${step.name}-migrate-${stamp}`);
    const moves = migrateStep(step, backupDir);
    if (moves.length === 0) continue;
    moved += moves.length;
    ok(`${path.relative(ROOT, step.srcDir)}: ${moves.map(({ from, to }) => `${from} → ${to}`).join(', ')}`);
    console.log(colour.dim(`  what they replaced, and your files as they were: ${path.relative(ROOT, backupDir)}`));
  }
  if (moved === 0) console.log(named ? `Nothing to move: every file of ${steps[0]!.name} is in its room.` : 'Nothing to move: every file is in its room.');
  return 0;
}
