// Every deck in slides/, built and opened in a real headless Chromium: it fetches nothing, every
// slide fits its frame, the keys work, the presenter view follows, and the PDF has one page per
// slide. A new deck is checked as soon as it exists. Without a Chromium on this machine the tests
// are skipped, saying how to get one; with KFS_REQUIRE_BROWSER=1 (CI) they fail instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingMessage, findChromium, launchChromium, REQUIRE_BROWSER } from '../browser.ts';
import { buildDecks, listDecks } from '../build.ts';
import { countPdfPages, printDeck } from '../pdf.ts';

const skip = findChromium() === null && !REQUIRE_BROWSER;
const names = listDecks().map((file) => path.basename(file, '.md'));
let outDir: string;
let browser: Browser;
let page: Page;
/** Every request the page made, by URL. */
const requests: string[] = [];
const slideCounts = new Map<string, number>();

describe.skipIf(skip)(skip ? `skipped: ${chromiumMissingMessage()}` : 'in Chromium', () => {
  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-slides-browser-'));
    const { decks } = await buildDecks({ outDir });
    for (const deck of decks) slideCounts.set(deck.name, deck.slides.length);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('request', (request) => requests.push(request.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  const urlOf = (name: string) => pathToFileURL(path.join(outDir, `${name}.html`)).href;
  const index = () => page.evaluate('deck.index') as Promise<number>;

  /** Polls an expression in the page (waitForFunction would need eval, which the deck's CSP forbids). */
  async function until(target: Page, expression: string, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await target.evaluate(expression).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe.each(names)('deck %s', (name) => {
    it('loads and requests nothing outside file:', async () => {
      requests.length = 0;
      await page.goto(urlOf(name));
      const count = (await page.evaluate('deck.count')) as number;
      expect(count, 'slides in the page').toBe(slideCounts.get(name));
      for (let i = 0; i < count; i++) await page.evaluate(`deck.go(${i})`);
      const outside = requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'));
      expect(outside, `${name} fetched something from the network; decks must work offline`).toEqual([]);
    });

    it('every slide fits its 1280×720 frame', async () => {
      await page.goto(urlOf(name));
      const count = (await page.evaluate('deck.count')) as number;
      const problems: string[] = [];
      for (let i = 0; i < count; i++) {
        const found = (await page.evaluate(`deck.overflow(${i})`)) as string[];
        for (const problem of found) problems.push(`slides/${name}.md slide ${i + 1}: ${problem}`);
      }
      expect(problems, 'content that does not fit: split the slide, or include fewer lines (about 18 lines of code fit)').toEqual([]);
    });

    it('prints one PDF page per slide', async () => {
      const pdf = await printDeck(browser, path.join(outDir, `${name}.html`));
      expect(countPdfPages(fs.readFileSync(pdf)), `pages in ${name}.pdf`).toBe(slideCounts.get(name));
    });
  });

  describe('in the browser', () => {
    const name = names[0]!;

    it('keys move between slides and the URL hash follows', async () => {
      await page.goto(urlOf(name));
      const last = slideCounts.get(name)! - 1;
      const steps: [string, number][] = [
        ['ArrowRight', 1], ['Space', 2], ['ArrowLeft', 1], ['PageDown', 2], ['PageUp', 1], ['ArrowDown', 2], ['ArrowUp', 1],
        ['End', last], ['ArrowRight', last], ['Home', 0], ['ArrowLeft', 0],
      ];
      for (const [key, expected] of steps) {
        await page.keyboard.press(key);
        expect(await index(), `after ${key}`).toBe(expected);
        expect(new URL(page.url()).hash, `hash after ${key}`).toBe(`#${expected + 1}`);
      }
    });

    it('opens at the slide named in the hash, and o toggles the overview', async () => {
      await page.goto(`${urlOf(name)}#3`);
      expect(await index()).toBe(2);
      await page.keyboard.press('o');
      expect(await page.evaluate("document.body.classList.contains('overview')")).toBe(true);
      await page.keyboard.press('Escape');
      expect(await page.evaluate("document.body.classList.contains('overview')")).toBe(false);
    });

    it('p opens a presenter view with notes that follows the audience window, and back', async () => {
      await page.goto(`${urlOf(name)}#1`);
      const popup = page.waitForEvent('popup');
      await page.keyboard.press('p');
      const presenter = await popup;
      await until(presenter, 'Boolean(window.deck) && document.querySelector(".pv-count").textContent.startsWith("1 /")', 'the presenter view shows slide 1');
      await page.keyboard.press('ArrowRight');
      await until(presenter, 'document.querySelector(".pv-count").textContent.startsWith("2 /")', 'the presenter view follows the audience to slide 2');
      expect(await presenter.evaluate('document.querySelectorAll(".pv-frame .slide").length')).toBe(2);
      await presenter.keyboard.press('ArrowRight');
      await until(page, 'deck.index === 2', 'the audience follows the presenter to slide 3');
      const notes = (await presenter.evaluate('document.querySelector(".pv-notes").textContent')) as string;
      expect(notes.trim().length, 'the presenter shows notes').toBeGreaterThan(0);
      await presenter.close();
    });
  });
});
