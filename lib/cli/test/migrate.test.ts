// A student's src/ from before the rooms: `npm run step` names what moved, `npm run migrate` moves
// it into place, imports and all, and keeps what it replaced.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { SOLUTIONS_DIR } from '../../paths.ts';
import { writeStarter } from '../../source/starter.ts';
import { findStep } from '../../steps.ts';
import { useTempDirs } from '../../testing/temp-dir.ts';
import { filesToMove, migrateStep, migrationAdvice } from '../commands/migrate.ts';

const tempDir = useTempDirs('kfs-migrate-');

test('a file left at the root of src/ moves into its room, its imports aimed at their new places, and what it replaced is kept', () => {
  const real = findStep('04');
  const srcDir = path.join(tempDir(), 'src');
  writeStarter(real, srcDir);
  const step = { ...real, srcDir };
  // The student's log.ts, written before the rooms: at the root, importing its neighbours flat.
  const theirs = fs.readFileSync(path.join(SOLUTIONS_DIR, real.name, 'src', 'storage', 'log.ts'), 'utf8')
    .replace("'../common/errors.ts'", "'./errors.ts'")
    .replace("'../record/record-batch.ts'", "'./record-batch.ts'")
    .replace("'../common/topic-name.ts'", "'./topic-name.ts'");
  fs.writeFileSync(path.join(srcDir, 'log.ts'), theirs);
  const starter = fs.readFileSync(path.join(srcDir, 'storage', 'log.ts'), 'utf8');

  expect(filesToMove(step)).toEqual([{ from: 'log.ts', to: 'storage/log.ts' }]);
  expect(migrationAdvice(step), 'npm run step names the file, where it goes, and the command').toMatch(/src\/log\.ts\s+→\s+src\/storage\/log\.ts[\s\S]*npm run migrate 04/);

  const backup = path.join(tempDir(), 'backup');
  migrateStep(step, backup);
  const moved = fs.readFileSync(path.join(srcDir, 'storage', 'log.ts'), 'utf8');
  for (const spec of ["'../common/errors.ts'", "'./log-segment.ts'", "'../record/record-batch.ts'", "'../common/topic-name.ts'"]) expect(moved, `the moved file imports ${spec}`).toContain(spec);
  expect(moved.replace(/from '[^']+'/g, ''), 'the student\'s code, otherwise unchanged').toBe(theirs.replace(/from '[^']+'/g, ''));
  expect(fs.existsSync(path.join(srcDir, 'log.ts')), 'nothing left at the root').toBe(false);
  expect(fs.readFileSync(path.join(backup, 'storage', 'log.ts'), 'utf8'), 'the starter it replaced, kept').toBe(starter);
  expect(fs.readFileSync(path.join(backup, 'log.ts.before-migrate'), 'utf8'), 'and the student\'s file as it was').toBe(theirs);
  expect(filesToMove(step), 'nothing more to move').toEqual([]);
  expect(migrationAdvice(step)).toBeNull();
});
