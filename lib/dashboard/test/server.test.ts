// The dashboard's server over HTTP: the page and its two files, each with a policy that forbids
// any other origin; the server-sent event stream carrying snapshots and the timeline; the broker
// buttons' POSTs, refused when read-only or without the page's token.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboard, type Controls, type Dashboard } from '../server.ts';
import type { Snapshot } from '../snapshot.ts';

let dashboard: Dashboard | null = null;
afterEach(async () => {
  await dashboard?.stop();
  dashboard = null;
});

function snapshot(time: number, alive: boolean): Snapshot {
  return {
    time,
    step: '08-controller',
    source: 'the reference',
    capabilities: { controller: true, replicas: true, groups: true, generation: true, control: false },
    notes: [],
    brokers: [{ id: 1, host: '127.0.0.1', port: 9092, status: alive ? 'alive' : 'dead', detail: alive ? 'answers' : 'no answer', pid: null }],
    controller: null,
    topics: [],
    groups: [],
    problems: [],
  };
}

/** Polls that alternate: broker 1 alive, dead, alive… */
function flapping() {
  let count = 0;
  return async () => snapshot(++count, count % 2 === 1);
}

async function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const response = await fetch(url);
  return { status: response.status, headers: Object.fromEntries(response.headers) as http.IncomingHttpHeaders, body: await response.text() };
}

/** Reads `count` 'state' events off the stream. */
async function readEvents(url: string, count: number): Promise<Array<{ snapshot: Snapshot; events: Array<{ kind: string; text: string }> }>> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const decoder = new TextDecoder();
  let buffer = '';
  const found: Array<{ snapshot: Snapshot; events: Array<{ kind: string; text: string }> }> = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((line) => line.startsWith('data: '));
      if (block.startsWith('event: state') && data) found.push(JSON.parse(data.slice(6)));
    }
    if (found.length >= count) break;
  }
  controller.abort();
  return found;
}

describe('the dashboard server', () => {
  it('binds 127.0.0.1 on a free port and serves the page, its script and its style, each forbidding every other origin', async () => {
    dashboard = await startDashboard({ poll: flapping(), intervalMs: 20 });
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    // Nothing in the page points anywhere else: no http(s) URL, no web font.
    for (const file of ['', 'dashboard.js', 'dashboard.css']) {
      const { status, body } = await get(`${dashboard.url}${file}`);
      expect(status, file || 'index.html').toBe(200);
      expect(body.match(/https?:\/\/[^\s'"`)]+/g) ?? [], `addresses in ${file || 'index.html'}`).toEqual([]);
      expect(body, file).not.toMatch(/@import|@font-face|fonts\.googleapis/);
    }
    // Read-only: no token in the page.
    expect(page.body).toContain('<meta name="dashboard-token" content="">');
    expect((await get(`${dashboard.url}nothing`)).status).toBe(404);
  });

  it('streams each new snapshot with the timeline the differ made of it', async () => {
    dashboard = await startDashboard({ poll: flapping(), intervalMs: 20 });
    const events = await readEvents(`${dashboard.url}events`, 4);
    const times = events.map((event) => event.snapshot.time);
    expect(times, 'snapshots in the order they were taken').toEqual([...times].sort((a, b) => a - b));
    const last = events.at(-1)!;
    const texts = last.events.map((event) => event.text);
    expect(texts[0]).toBe('Watching 1 broker(s); alive: 1');
    expect(texts).toContain('Broker 1 is gone (no answer)');
    expect(texts).toContain('Broker 1 is alive');
  });

  it('read-only without controls: the broker buttons get 404', async () => {
    dashboard = await startDashboard({ poll: flapping(), intervalMs: 20 });
    const response = await fetch(`${dashboard.url}brokers/1/kill`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('read-only');
  });

  it("with controls: an action needs the page's token, then runs and goes on the timeline", async () => {
    const done: string[] = [];
    const act = (verb: string) => async (id: number) => {
      done.push(`${verb} ${id}`);
      return `${verb} broker ${id}`;
    };
    const controls: Controls = { kill: act('kill'), pause: act('pause'), resume: act('resume'), restart: act('restart') };
    dashboard = await startDashboard({ poll: flapping(), intervalMs: 20, controls });
    const token = /name="dashboard-token" content="([0-9a-f]+)"/.exec((await get(dashboard.url)).body)?.[1];
    expect(token, 'the token in the page').toMatch(/^[0-9a-f]{32}$/);
    expect((await fetch(`${dashboard.url}brokers/2/kill`, { method: 'POST' })).status, 'without the token').toBe(403);
    expect((await fetch(`${dashboard.url}brokers/2/kill`, { method: 'POST', headers: { 'X-Dashboard-Token': 'f'.repeat(32) } })).status, 'with a wrong token').toBe(403);
    expect(done).toEqual([]);
    const response = await fetch(`${dashboard.url}brokers/2/kill`, { method: 'POST', headers: { 'X-Dashboard-Token': token! } });
    expect(response.status).toBe(200);
    expect(done).toEqual(['kill 2']);
    expect(dashboard.latest().events.map((event) => `${event.kind}: ${event.text}`)).toContain('control: kill broker 2');
  });
});
