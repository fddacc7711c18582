// Where things live in the repository, computed once so no command hard-codes a separator.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STEPS_DIR = path.join(ROOT, 'steps');
export const SOLUTIONS_DIR = path.join(ROOT, 'solutions');
export const SLIDES_DIR = path.join(ROOT, 'slides');
/** Git-ignored scratch space: generated starters, mutants, backups, hint progress. */
export const WORK_DIR = path.join(ROOT, '.kfs');
export const GENERATED_STARTERS_DIR = path.join(WORK_DIR, 'starters');
export const MUTANTS_WORK_DIR = path.join(WORK_DIR, 'mutants');
export const BACKUPS_DIR = path.join(WORK_DIR, 'backups');
