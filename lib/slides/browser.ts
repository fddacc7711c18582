// Debian's chromium, driven by playwright-core: for the PDFs and the browser tests. Never a
// downloaded browser build.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.KFS_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export class ChromiumMissing extends Error {}

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new ChromiumMissing(
      `Chromium is not installed at ${CHROMIUM}. The slide PDFs and the slide tests need Debian's chromium: ` +
        'run `sudo apt-get install chromium` (CI does this in .ci/run), or set KFS_CHROMIUM to another Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}
