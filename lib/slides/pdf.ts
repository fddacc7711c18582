// `npm run slides:pdf`: builds the decks, then prints each to slides/dist/<name>.pdf through
// a Chromium (see browser.ts), one slide per page (the deck's print CSS).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';

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

export async function printDecks(htmlFiles: string[]): Promise<string[]> {
  const browser = await launchChromium();
  try {
    const out: string[] = [];
    for (const file of htmlFiles) out.push(await printDeck(browser, file, path.join(path.dirname(file), `${path.basename(file, '.html')}.pdf`)));
    return out;
  } finally {
    await browser.close();
  }
}

/** The number of pages in a PDF that Chromium wrote (it does not compress its page objects). */
export function countPdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}
