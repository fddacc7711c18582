// For maintainers: a PNG of every slide (and of the presenter view), to look at a deck without a
// projector; it names what sticks out and text under 18 px.  npx tsx lib/slides/screenshots.ts [outDir] [deck-name…]   (after npm run slides:build)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './browser.ts';
import { DIST_DIR, listDecks } from './build.ts';

const [outArg, ...only] = process.argv.slice(2);
const outDir = outArg ?? path.join(os.tmpdir(), 'kfs-slides');
fs.mkdirSync(outDir, { recursive: true });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
for (const file of listDecks()) {
  const name = path.basename(file, '.md');
  if (only.length && !only.includes(name)) continue;
  await page.goto(pathToFileURL(path.join(DIST_DIR, `${name}.html`)).href);
  const count = (await page.evaluate('deck.count')) as number;
  for (let i = 0; i < count; i++) {
    const problems = [...((await page.evaluate(`deck.overflow(${i})`)) as string[]), ...((await page.evaluate(`deck.smallText(${i})`)) as string[])];
    await page.screenshot({ path: path.join(outDir, `${name}-${String(i + 1).padStart(2, '0')}.png`) });
    if (problems.length) console.log(`${name} slide ${i + 1}: ${problems.join('; ')}`);
  }
  console.log(`${name}: ${count} slides → ${outDir}`);
}
await browser.close();
