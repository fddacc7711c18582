// Every deck in slides/, built and opened in a real headless Chromium: it fetches nothing, every
// slide fits its frame, every text on it is at least 18 px (readable from the back of a lecture
// room), the keys and swipes work, the presenter view follows, the PDF has one page per slide, and
// the handout one page per slide with the slide's notes under it. A new deck is checked as soon as
// it exists. Without a Chromium on this machine the tests
// are skipped, saying how to get one; with KFS_REQUIRE_EXTRAS=1 (CI) they fail instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingMessage, findChromium, launchChromium, REQUIRE_BROWSER } from '../browser.ts';
import { buildDecks, listDecks } from '../build.ts';
import { countPdfPages, printDeck, printHandout } from '../pdf.ts';
import type { Deck } from '../render.ts';

const skip = findChromium() === null && !REQUIRE_BROWSER;
const names = listDecks().map((file) => path.basename(file, '.md'));
let outDir: string;
let browser: Browser;
let page: Page;
/** Every request the page made, by URL. */
const requests: string[] = [];
const slideCounts = new Map<string, number>();
const builtDecks = new Map<string, Deck>();

describe.skipIf(skip)(skip ? `skipped: ${chromiumMissingMessage()}` : 'in Chromium', () => {
  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-slides-browser-'));
    const { decks } = await buildDecks({ outDir });
    for (const deck of decks) {
      slideCounts.set(deck.name, deck.slides.length);
      builtDecks.set(deck.name, deck);
    }
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

    // Measured as drawn at 1280×720: the computed font size times every scale on the way to the
    // screen, SVG text through its screen transform (deck.textSizes in client/deck.js).
    it('every text on every slide is at least 18 px at 1280×720, diagrams included', async () => {
      await page.goto(urlOf(name));
      const count = (await page.evaluate('deck.count')) as number;
      const measured = (await page.evaluate('deck.textSizes(0)')) as unknown[];
      expect(measured.length, 'texts measured on the first slide').toBeGreaterThan(0);
      const problems: string[] = [];
      for (let i = 0; i < count; i++) {
        const found = (await page.evaluate(`deck.smallText(${i})`)) as string[];
        for (const problem of found) problems.push(`slides/${name}.md slide ${i + 1}: ${problem}`);
      }
      expect(problems, 'text too small for the back of the room: draw the diagram larger, split it, shorten its labels, or draw it in slides/assets').toEqual([]);
    });

    it('prints one PDF page per slide', async () => {
      const pdf = await printDeck(browser, path.join(outDir, `${name}.html`));
      expect(countPdfPages(fs.readFileSync(pdf)), `pages in ${name}.pdf`).toBe(slideCounts.get(name));
    });
  });

  describe.each(names)('handout of %s', (name) => {
    it('has one page per slide, each with its slide and that slide\'s notes under it', async () => {
      const deck = builtDecks.get(name)!;
      const pdf = await printHandout(browser, deck, outDir);
      expect(pdf).toBe(path.join(outDir, `${name}-handout.pdf`));
      expect(countPdfPages(fs.readFileSync(pdf)), `pages in ${name}-handout.pdf (notes too long for one page?)`).toBe(deck.slides.length);
      // The HTML that was printed, as printed: each page holds the slide and the notes' text.
      const printed = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      try {
        await printed.goto(pathToFileURL(path.join(outDir, `${name}-handout.html`)).href);
        await printed.emulateMedia({ media: 'print' });
        const pages = (await printed.evaluate(`Array.from(document.querySelectorAll('.handout-page')).map((page) => ({
          slide: page.querySelector('.handout-slide > .slide')?.textContent ?? '',
          notes: page.querySelector('.handout-slide ~ .handout-notes')?.textContent ?? '',
          shown: page.querySelector('.handout-slide > .slide')?.getBoundingClientRect().height > 0,
        }))`)) as { slide: string; notes: string; shown: boolean }[];
        expect(pages.length, 'handout pages').toBe(deck.slides.length);
        const text = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim();
        const words = (value: string) => value.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim();
        await page.goto(urlOf(name));
        const inDeck = (await page.evaluate(`Array.from(document.querySelectorAll('.deck .slide')).map((slide) => slide.textContent)`)) as string[];
        const slides = deck.slides.map((slide) => ({ number: slide.number, page: pages[slide.number - 1]!, notes: text(slide.notes), shows: inDeck[slide.number - 1]! }));
        for (const { number, page: handout, notes, shows } of slides) {
          expect(handout.shown, `slide ${number} is drawn on its handout page`).toBe(true);
          expect(words(handout.slide), `slide ${number}'s handout page shows the slide`).toBe(words(shows));
          // The notes' words, entities aside, appear in order under the slide.
          const expected = notes.split(' ').filter((word) => /^[\w.,:;()'-]+$/.test(word)).slice(0, 30);
          const got = words(handout.notes);
          let at = 0;
          for (const word of expected) {
            const found = got.indexOf(word, at);
            expect(found, `slide ${number}'s notes on its handout page: "${word}"`).toBeGreaterThanOrEqual(0);
            at = found + word.length;
          }
          if (!notes) expect(got).toBe('No notes for this slide.');
        }
      } finally {
        await printed.close();
      }
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

    it('on a touch screen, a swipe left is the next slide and a swipe right the previous one', async () => {
      const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, hasTouch: true, isMobile: true });
      try {
        const tablet = await context.newPage();
        await tablet.goto(`${urlOf(name)}#2`);
        const cdp = await context.newCDPSession(tablet);
        const touch = async (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) =>
          cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
        const swipe = async (from: [number, number], to: [number, number]) => {
          await touch('touchStart', [from]);
          for (let step = 1; step <= 4; step++) await touch('touchMove', [[from[0] + ((to[0] - from[0]) * step) / 4, from[1] + ((to[1] - from[1]) * step) / 4]]);
          await touch('touchMove', [to]);
          await touch('touchEnd', []);
        };
        const at = () => tablet.evaluate('deck.index') as Promise<number>;
        expect(await at()).toBe(1);
        await swipe([800, 400], [300, 420]);
        expect(await at(), 'after a swipe to the left').toBe(2);
        expect(new URL(tablet.url()).hash).toBe('#3');
        await swipe([300, 400], [800, 380]);
        expect(await at(), 'after a swipe to the right').toBe(1);
        await swipe([500, 200], [530, 600]);
        expect(await at(), 'after a swipe down (a scroll, not a move)').toBe(1);
        await swipe([500, 400], [510, 405]);
        expect(await at(), 'after a tap').toBe(1);
        await touch('touchStart', [[800, 400], [850, 450]]);
        await touch('touchMove', [[300, 400], [350, 450]]);
        await touch('touchEnd', []);
        expect(await at(), 'after a two-finger gesture').toBe(1);
        await tablet.evaluate('deck.go(0)');
        await swipe([300, 400], [800, 400]);
        expect(await at(), 'a swipe right on the first slide stays there').toBe(0);
      } finally {
        await context.close();
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
