// A Chromium the user already has, driven by playwright-core: for the PDFs and the browser tests.
// Never a downloaded browser build. It is looked for the way a user has one: KFS_CHROMIUM first,
// then Debian's chromium, then Chromium or Chrome on PATH, then their usual macOS and Windows
// install folders.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Set (to 1) where the browser tests must run: CI (KFS_REQUIRE_EXTRAS=1 requires every extra), so that a missing browser fails instead of skipping. */
export const REQUIRE_BROWSER = process.env.KFS_REQUIRE_EXTRAS === '1';

const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function installed(): string[] {
  const env = process.env;
  const windows = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((dir): dir is string => Boolean(dir));
  return [
    '/usr/bin/chromium',
    ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).flatMap((dir) => ON_PATH.map((name) => path.join(dir, name))),
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ...windows.flatMap((dir) => [path.join(dir, 'Chromium', 'Application', 'chrome.exe'), path.join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe')]),
  ];
}

/** The Chromium to drive, or null when this machine has none (or KFS_CHROMIUM names none). */
export function findChromium(): string | null {
  const chosen = process.env.KFS_CHROMIUM;
  if (chosen) return isFile(chosen) ? chosen : null;
  return installed().find(isFile) ?? null;
}

/** What to do when findChromium() finds nothing: one line. */
export function chromiumMissingMessage(): string {
  const chosen = process.env.KFS_CHROMIUM;
  const what = chosen ? `KFS_CHROMIUM is ${chosen}, which is not a file` : 'No Chromium or Chrome found (KFS_CHROMIUM, /usr/bin/chromium, PATH, the usual macOS and Windows folders)';
  return `${what}. The slide PDFs and browser tests need one: sudo apt-get install chromium fonts-liberation on Debian or Ubuntu, Google Chrome elsewhere, or KFS_CHROMIUM=/path/to/chrome.`;
}

export class ChromiumMissing extends Error {}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === null) throw new ChromiumMissing(chromiumMissingMessage());
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
