// The dashboard's web server: one page (page/), and a server-sent event stream (/events) that
// carries the newest snapshot and the timeline a few times a second. With controls (the launcher
// gives them), POST /brokers/<id>/<kill|pause|resume|restart> acts on a broker's process; the
// page sends the token it was served with, so no other page in the browser can.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffSnapshots } from './events.ts';
import type { Snapshot, TimelineEvent } from './snapshot.ts';

const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
};
/** Nothing but this server: no CDN, no fonts, no other origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TIMELINE_LENGTH = 200;

export type Action = 'kill' | 'pause' | 'resume' | 'restart';
export const ACTIONS: readonly Action[] = ['kill', 'pause', 'resume', 'restart'];

/** What the launcher lets the page do to the brokers it started; each resolves with a line for the timeline. */
export type Controls = Record<Action, (brokerId: number) => Promise<string>>;

export interface DashboardOptions {
  poll: () => Promise<Snapshot>;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Time between the end of one poll and the start of the next. */
  intervalMs?: number;
  controls?: Controls;
}

export interface Dashboard {
  url: string;
  port: number;
  /** The newest snapshot and the timeline so far (for tests). */
  latest(): { snapshot: Snapshot | null; events: TimelineEvent[] };
  stop(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = randomBytes(16).toString('hex');
  const clients = new Set<http.ServerResponse>();
  let snapshot: Snapshot | null = null;
  const events: TimelineEvent[] = [];
  const remember = (added: TimelineEvent[]) => {
    events.push(...added);
    if (events.length > TIMELINE_LENGTH) events.splice(0, events.length - TIMELINE_LENGTH);
  };
  const message = () => `event: state\ndata: ${JSON.stringify({ snapshot, events })}\n\n`;
  const broadcast = () => {
    const text = message();
    for (const client of clients) client.write(text);
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    const headers = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
    if (request.method === 'GET' && FILES[url.pathname]) {
      const { file, type } = FILES[url.pathname]!;
      let body = fs.readFileSync(path.join(PAGE_DIR, file), 'utf8');
      if (file === 'index.html') body = body.replace('%TOKEN%', options.controls ? token : '');
      response.writeHead(200, { ...headers, 'Content-Type': type });
      response.end(body);
      return;
    }
    if (request.method === 'GET' && url.pathname === '/events') {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      if (snapshot) response.write(message());
      clients.add(response);
      request.on('close', () => clients.delete(response));
      return;
    }
    const action = /^\/brokers\/(\d+)\/(kill|pause|resume|restart)$/.exec(url.pathname);
    if (request.method === 'POST' && action) {
      if (!options.controls) return reply(response, 404, 'This dashboard is read-only: it was not started by the launcher (npm run cluster -- --dashboard).');
      if (request.headers['x-dashboard-token'] !== token) return reply(response, 403, 'Missing or wrong X-Dashboard-Token: only the dashboard page may act on brokers.');
      const id = Number(action[1]);
      const verb = action[2] as Action;
      options.controls[verb](id).then(
        (line) => {
          remember([{ time: Date.now(), kind: 'control', text: line }]);
          broadcast();
          reply(response, 200, line);
        },
        (error: unknown) => reply(response, 409, error instanceof Error ? error.message : String(error)),
      );
      return;
    }
    reply(response, 404, `Nothing at ${request.method} ${url.pathname}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  // Polls one after the other, a few times a second; each new snapshot goes to every page.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const loop = () => {
    polling = options
      .poll()
      .then((next) => {
        if (stopped) return;
        remember(diffSnapshots(snapshot, next));
        snapshot = next;
        broadcast();
      })
      .catch(() => {})
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 250);
      });
  };
  loop();

  return {
    url: `http://${host}:${port}/`,
    port,
    latest: () => ({ snapshot, events: [...events] }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await polling;
    },
  };
}

function reply(response: http.ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(text);
}
