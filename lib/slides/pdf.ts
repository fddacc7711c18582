// `npm run slides:pdf`: builds the decks, then prints each to slides/dist/<name>.pdf through
// a Chromium (see browser.ts), one slide per page (the deck's print CSS). With --notes, also
// slides/dist/<name>-handout.pdf: each slide with its speaker notes under it, one A4 page per slide.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { handoutPage } from './page.ts';
import type { Deck } from './render.ts';

/** Prints one built deck; returns the PDF's path. */
export async function printDeck(browser: Browser, htmlFile: string, pdfFile = htmlFile.replace(/\.html$/, '.pdf')): Promise<string> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  try {
    await page.goto(pathToFileURL(htmlFile).href);
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdfFile, preferCSSPageSize: true, printBackground: true });
    return pdfFile;
  } finally {
    await page.close();
  }
}

/** Writes <name>-handout.html beside the deck's HTML and prints it to <name>-handout.pdf; returns the PDF's path. */
export async function printHandout(browser: Browser, deck: Deck, outDir: string): Promise<string> {
  const htmlFile = path.join(outDir, `${deck.name}-handout.html`);
  fs.writeFileSync(htmlFile, handoutPage(deck));
  return printDeck(browser, htmlFile);
}

/** Prints every deck (decks[i] is built in htmlFiles[i]); with notes, each one's handout too. */
export async function printDecks(htmlFiles: string[], options: { handouts?: Deck[] } = {}): Promise<string[]> {
  const browser = await launchChromium();
  try {
    const out: string[] = [];
    for (const file of htmlFiles) out.push(await printDeck(browser, file, path.join(path.dirname(file), `${path.basename(file, '.html')}.pdf`)));
    for (const deck of options.handouts ?? []) out.push(await printHandout(browser, deck, path.dirname(htmlFiles[0] ?? '.')));
    return out;
  } finally {
    await browser.close();
  }
}

/** The number of pages in a PDF that Chromium wrote (it does not compress its page objects). */
export function countPdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}
