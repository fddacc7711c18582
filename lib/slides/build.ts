// `npm run slides:build`: every slides/*.md (but README.md) becomes slides/dist/<name>.html, plus
// slides/dist/index.html listing them.
import fs from 'node:fs';
import path from 'node:path';
import { SLIDES_DIR } from '../paths.ts';
import { createCodeHighlighter, type CodeHighlighter } from './highlight.ts';
import { deckPage, indexPage, type PageOptions } from './page.ts';
import { renderDeck, type Deck } from './render.ts';

export const DIST_DIR = path.join(SLIDES_DIR, 'dist');

let highlighter: Promise<CodeHighlighter> | null = null;
/** One highlighter per process: loading grammars is the slow part of a build. */
export function sharedHighlighter(): Promise<CodeHighlighter> {
  highlighter ??= createCodeHighlighter();
  return highlighter;
}

/** The deck files in a folder, in name order. */
export function listDecks(slidesDir = SLIDES_DIR): string[] {
  return fs
    .readdirSync(slidesDir)
    .filter((file) => file.endsWith('.md') && file.toLowerCase() !== 'readme.md')
    .sort()
    .map((file) => path.join(slidesDir, file));
}

export async function loadDeck(file: string): Promise<Deck> {
  return renderDeck(file, await sharedHighlighter());
}

/** Thrown when one or more decks do not build; the message lists every problem. */
export class BuildFailed extends Error {}

export interface BuildResult {
  decks: Deck[];
  outDir: string;
}

/** Builds every deck; throws BuildFailed naming each deck that failed (the others are written). */
export async function buildDecks(options: { slidesDir?: string; outDir?: string } & PageOptions = {}): Promise<BuildResult> {
  const slidesDir = options.slidesDir ?? SLIDES_DIR;
  const outDir = options.outDir ?? path.join(slidesDir, 'dist');
  fs.mkdirSync(outDir, { recursive: true });
  const decks: Deck[] = [];
  const problems: string[] = [];
  for (const file of listDecks(slidesDir)) {
    try {
      const deck = await loadDeck(file);
      fs.writeFileSync(path.join(outDir, `${deck.name}.html`), deckPage(deck, options));
      decks.push(deck);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  fs.writeFileSync(path.join(outDir, 'index.html'), indexPage(decks.map((deck) => ({ name: deck.name, title: deck.title, slides: deck.slides.length })), options));
  if (problems.length) throw new BuildFailed(problems.join('\n'));
  return { decks, outDir };
}
