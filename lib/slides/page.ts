// The HTML around the slides: one self-contained file per deck (its CSS and script inlined, its
// images and diagrams inside), plus an index page. A Content-Security-Policy makes the browser
// refuse anything from the network, so a deck that works here works in a room with no Wi-Fi.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from './highlight.ts';
import type { Deck } from './render.ts';

const CLIENT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client');

export interface PageOptions {
  /** Adds the live-reload script (`npm run slides` only). */
  liveReload?: boolean;
}

function csp(liveReload: boolean): string {
  const connect = liveReload ? "'self'" : "'none'";
  return `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; font-src 'none'; connect-src ${connect}; base-uri 'none'; form-action 'none'`;
}

function head(title: string, liveReload: boolean): string {
  const css = fs.readFileSync(path.join(CLIENT_DIR, 'deck.css'), 'utf8');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp(liveReload)}">
<title>${escapeHtml(title)}</title>
<style>
${css}
</style>
</head>`;
}

export function deckPage(deck: Deck, options: PageOptions = {}): string {
  const live = options.liveReload ?? false;
  const script = fs.readFileSync(path.join(CLIENT_DIR, 'deck.js'), 'utf8');
  const slides = deck.slides
    .map((slide) => {
      const classes = ['slide', ...slide.classes].join(' ');
      return `<section class="${classes}" data-n="${slide.number}" aria-label="Slide ${slide.number}${slide.title ? `: ${escapeHtml(slide.title)}` : ''}">\n${slide.html}</section>`;
    })
    .join('\n');
  const notes = deck.slides.map((slide) => `<template class="notes" data-n="${slide.number}">${slide.notes}</template>`).join('\n');
  return `${head(deck.title, live)}
<body>
<main class="deck" data-name="${escapeHtml(deck.name)}">
${slides}
</main>
${notes}
<script>
${script}
</script>
${live ? liveReloadScript() : ''}
</body>
</html>
`;
}

/**
 * The handout of a deck (`npm run slides:pdf -- --notes`): one printed page per slide, the slide on
 * top and its speaker notes under it. No script: it is only printed.
 */
export function handoutPage(deck: Deck): string {
  const pages = deck.slides
    .map((slide) => {
      const classes = ['slide', 'current', ...slide.classes].join(' ');
      const notes = slide.notes ? `<div class="handout-notes">${slide.notes}</div>` : '<div class="handout-notes none">No notes for this slide.</div>';
      return `<article class="handout-page" data-n="${slide.number}">
<div class="handout-title"><span>${escapeHtml(deck.title)}</span><span>${slide.number} / ${deck.slides.length}</span></div>
<div class="handout-slide"><section class="${classes}" data-n="${slide.number}">\n${slide.html}</section></div>
${notes}
</article>`;
    })
    .join('\n');
  return `${head(`${deck.title} · handout`, false)}
<body class="handout">
${pages}
</body>
</html>
`;
}

export interface IndexEntry {
  name: string;
  title: string;
  slides: number;
}

export function indexPage(decks: IndexEntry[], options: PageOptions = {}): string {
  const live = options.liveReload ?? false;
  const rows = decks
    .map((deck) => `<li><a href="${escapeHtml(deck.name)}.html"><span class="n">${escapeHtml(deck.name.slice(0, 2))}</span> ${escapeHtml(deck.title)}</a> <span class="muted">${deck.slides} slides</span></li>`)
    .join('\n');
  return `${head('kafka-from-scratch · slides', live)}
<body class="index">
<style>
body.index { overflow: auto; background: #fff; padding: 48px 64px; font-size: 22px; }
body.index h1 { font-size: 40px; margin: 0 0 8px; }
body.index ul { list-style: none; padding: 0; margin: 24px 0; }
body.index li { padding: 10px 0; border-bottom: 1px solid var(--rule); }
body.index a { text-decoration: none; font-weight: 600; }
body.index .n { display: inline-block; width: 2.2em; color: var(--muted); font-family: var(--font-mono); }
body.index .keys { color: var(--muted); font-size: 18px; line-height: 1.6; }
body.index kbd { font-family: var(--font-mono); border: 1px solid var(--rule); border-radius: 4px; padding: 0 6px; }
</style>
<h1>kafka-from-scratch</h1>
<p class="muted">The workshop's slide decks.</p>
<ul>
${rows}
</ul>
<p class="keys"><kbd>→</kbd> <kbd>Space</kbd> <kbd>PgDn</kbd> next · <kbd>←</kbd> <kbd>PgUp</kbd> back · <kbd>Home</kbd> <kbd>End</kbd> · <kbd>f</kbd> fullscreen · <kbd>o</kbd> overview · <kbd>p</kbd> presenter view (notes, next slide, timer) · print for PDF</p>
${live ? liveReloadScript() : ''}
</body>
</html>
`;
}

/** `npm run slides` only: reload when the server says a deck changed; show build errors. */
function liveReloadScript(): string {
  return `<script>
(() => {
  const events = new EventSource('/__events');
  events.addEventListener('reload', () => location.reload());
  // The author's view marks a slide that does not fit its frame with a red border, one with text
  // under 18 px with an orange one.
  if (window.deck && window.deck.overflow) {
    const i = window.deck.index;
    for (let n = 0; n < window.deck.count; n++) {
      window.deck.smallText(n);
      window.deck.overflow(n);
    }
    window.deck.go(i);
  }
})();
</script>`;
}

/** The page the live server shows while a deck does not build. */
export function errorPage(message: string): string {
  return `${head('slides: build error', true)}
<body><div class="build-error">${escapeHtml(message)}\n\nFix the deck and save: this page reloads by itself.</div>${liveReloadScript()}</body></html>
`;
}
