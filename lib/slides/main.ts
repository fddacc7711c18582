// The slide commands:
//   npm run slides [-- --port 8000]   serve on 127.0.0.1 with live reload
//   npm run slides:build              write slides/dist/*.html
//   npm run slides:pdf                build, then print slides/dist/*.pdf with the Chromium browser.ts finds
//   npm run slides:pdf -- --notes     the same, plus slides/dist/<name>-handout.pdf: each slide with its notes
import path from 'node:path';
import { colour } from '../output.ts';
import { ChromiumMissing, chromiumMissingMessage, findChromium } from './browser.ts';
import { BuildFailed, buildDecks, DIST_DIR } from './build.ts';
import { relative } from './errors.ts';
import { printDecks } from './pdf.ts';
import { serveSlides } from './serve.ts';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'build' || command === 'pdf') {
    const unknown = args.filter((arg) => !(command === 'pdf' && arg === '--notes'));
    if (unknown.length) {
      console.error(colour.red(`slides:${command} takes ${command === 'pdf' ? 'only --notes' : 'no options'}; not ${unknown.join(' ')}`));
      return 1;
    }
    // Say what to install before the build, not after it.
    if (command === 'pdf' && findChromium() === null) throw new ChromiumMissing(chromiumMissingMessage());
    const started = Date.now();
    const { decks } = await buildDecks();
    for (const deck of decks) console.log(`${colour.green('✓')} ${relative(path.join(DIST_DIR, `${deck.name}.html`))}  ${deck.slides.length} slides  ${colour.dim(deck.title)}`);
    console.log(`${colour.green('✓')} ${relative(path.join(DIST_DIR, 'index.html'))}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (command === 'pdf') {
      const handouts = args.includes('--notes') ? decks : [];
      const pdfs = await printDecks(decks.map((deck) => path.join(DIST_DIR, `${deck.name}.html`)), { handouts });
      for (const pdf of pdfs) console.log(`${colour.green('✓')} ${relative(pdf)}`);
    }
    return 0;
  }
  if (command === 'serve') {
    const portIndex = args.indexOf('--port');
    const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 8000;
    const { url } = await serveSlides({ port });
    console.log(`Slides at ${colour.bold(url)} — they reload when slides/ or solutions/ change. Ctrl-C stops.`);
    console.log(colour.dim('Keys: arrows/Space/PgUp/PgDn, Home/End, f fullscreen, o overview, p presenter view.'));
    return new Promise<number>(() => {});
  }
  console.log('Usage: npm run slides | npm run slides:build | npm run slides:pdf [-- --notes]');
  return 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof BuildFailed) {
      console.error(colour.red(`The slides do not build:\n${error.message}`));
    } else if (error instanceof ChromiumMissing) {
      console.error(colour.red(error.message));
    } else {
      console.error(error);
    }
    process.exitCode = 1;
  },
);
