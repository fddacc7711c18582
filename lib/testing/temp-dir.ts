// Temporary directories for tests that write files (a broker's dataDir, a log's segments):
// each test gets fresh ones under the OS temp directory, removed after the test, pass or fail.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/** A new empty directory under the OS temp directory; whoever makes it removes it (removeTempDir). */
export function makeTempDir(prefix = 'kfs-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function useTempDirs(prefix = 'kfs-') {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeTempDir(dir);
  });
  /** A new empty directory, removed after the current test. */
  return (): string => {
    const dir = makeTempDir(prefix);
    dirs.push(dir);
    return dir;
  };
}
