// `npm run slides`: serves the decks on 127.0.0.1 and reloads the browser whenever a deck, an
// asset or a solution (the source of every included snippet) changes. A deck that fails to
// build shows its error in the browser instead, and the server keeps going.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SLIDES_DIR, SOLUTIONS_DIR } from '../paths.ts';
import { listDecks, loadDeck } from './build.ts';
import { deckPage, errorPage, indexPage } from './page.ts';

export interface ServeOptions {
  port?: number;
  host?: string;
  log?: (line: string) => void;
}

export async function serveSlides(options: ServeOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const log = options.log ?? console.log;
  const listeners = new Set<http.ServerResponse>();

  const server = http.createServer((request, response) => {
    void respond(request.url ?? '/', response);
  });

  async function respond(url: string, response: http.ServerResponse): Promise<void> {
    const pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
    if (pathname === '/__events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      response.write(': connected\n\n');
      listeners.add(response);
      response.on('close', () => listeners.delete(response));
      return;
    }
    const send = (status: number, html: string) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
    };
    const decks = listDecks();
    if (pathname === '/' || pathname === '/index.html') {
      const entries = [];
      for (const file of decks) {
        const name = path.basename(file, '.md');
        try {
          const deck = await loadDeck(file);
          entries.push({ name, title: deck.title, slides: deck.slides.length });
        } catch {
          entries.push({ name, title: `${name} (does not build: open it to see why)`, slides: 0 });
        }
      }
      return send(200, indexPage(entries, { liveReload: true }));
    }
    const file = decks.find((deck) => `/${path.basename(deck, '.md')}.html` === pathname);
    if (!file) return send(404, errorPage(`No deck at ${pathname}. The decks are the .md files in slides/.`));
    try {
      send(200, deckPage(await loadDeck(file), { liveReload: true }));
    } catch (error) {
      send(200, errorPage((error as Error).message));
    }
  }

  // Every change reloads every open page (after a short pause, since editors save in bursts).
  let timer: NodeJS.Timeout | null = null;
  const changed = (where: string, file: string | null) => {
    if (file && (file.startsWith('dist') || file.includes(`${path.sep}node_modules${path.sep}`))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      log(`changed: ${path.join(where, file ?? '')} — reloading ${listeners.size} page(s)`);
      for (const listener of listeners) listener.write('event: reload\ndata: now\n\n');
    }, 120);
  };
  const watchers = [SLIDES_DIR, SOLUTIONS_DIR]
    .filter((dir) => fs.existsSync(dir))
    .map((dir) => fs.watch(dir, { recursive: true }, (_event, file) => changed(path.relative(process.cwd(), dir), file ? String(file) : null)));

  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 8000, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}/`;
  return {
    url,
    close: async () => {
      for (const watcher of watchers) watcher.close();
      for (const listener of listeners) listener.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Listens on the port, or on the next free one when it is taken. */
async function listen(server: http.Server, port: number, host: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port === 0 ? 0 : port + attempt, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw error;
    }
  }
}
