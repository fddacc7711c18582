// The machine's own limits, measured before anything of the workshop's: how fast bytes move over
// loopback TCP between two processes, and how fast a file grows by appends. Every throughput the
// benchmark reports is also given as a fraction of these, so a figure says how much of the
// machine the broker uses rather than only how big it is.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Bytes moved and the seconds it took. */
export interface Moved {
  bytes: number;
  seconds: number;
}

export const bytesPerSecond = ({ bytes, seconds }: Moved) => bytes / seconds;

/** The size of one write in both measurements (a broker's socket and log writes are of this order). */
export const CHUNK_BYTES = 16_384;

/** Runs `measure` `times` times and keeps the fastest: a shared machine's speed swings from one second to the next. */
export async function bestOf(times: number, measure: () => Promise<Moved>): Promise<Moved> {
  let best: Moved | null = null;
  for (let i = 0; i < times; i++) {
    const moved = await measure();
    if (!best || bytesPerSecond(moved) > bytesPerSecond(best)) best = moved;
  }
  return best!;
}

/** A node process that counts what it receives and answers with the count when the sender is done. */
const SINK = `
const net = require('node:net');
const server = net.createServer((socket) => {
  let bytes = 0;
  socket.on('data', (chunk) => { bytes += chunk.length; });
  socket.on('end', () => socket.end(String(bytes)));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/**
 * Raw loopback TCP: this process writes 16 KiB buffers for `ms` to a bare node process (waiting
 * for 'drain' as any writer must), which says how many bytes it got. The sink is killed if
 * anything goes wrong, so a failed measurement leaves no process behind.
 */
export async function rawLoopback(ms: number): Promise<Moved> {
  const sink = spawn(process.execPath, ['-e', SINK], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => sink.once('exit', resolve));
  let socket: net.Socket | null = null;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      sink.once('error', reject);
      sink.once('exit', () => reject(new Error('the loopback sink process exited before it listened')));
    });
    const connected = net.connect(port, '127.0.0.1');
    socket = connected;
    await new Promise((resolve, reject) => connected.once('connect', resolve).once('error', reject));
    const reply = new Promise<number>((resolve, reject) => {
      let text = '';
      connected.setEncoding('utf8').on('data', (data: string) => (text += data));
      connected.once('end', () => resolve(Number(text)));
      connected.once('error', reject);
    });
    const chunk = Buffer.alloc(CHUNK_BYTES, 'x');
    const started = performance.now();
    while (performance.now() - started < ms) {
      if (!connected.write(chunk)) await new Promise((resolve) => connected.once('drain', resolve));
    }
    connected.end();
    const bytes = await reply;
    return { bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    socket?.destroy();
    sink.stdin.end();
    if (sink.exitCode === null && sink.signalCode === null) sink.kill('SIGKILL');
    await exited;
  }
}

/**
 * Raw file append: 16 KiB writes to the end of a new file in `dir` for `ms`, as a log segment
 * grows, then one fsync (a broker flushes in the background, not per write; the fsync is counted
 * so the figure is what reaches the disk, not only the page cache).
 */
export async function rawFileAppend(dir: string, ms: number): Promise<Moved> {
  const file = path.join(dir, `append-${process.pid}-${Date.now()}.bin`);
  const chunk = Buffer.alloc(CHUNK_BYTES, 'x');
  const fd = fs.openSync(file, 'a');
  try {
    let bytes = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      bytes += fs.writeSync(fd, chunk);
    }
    fs.fsyncSync(fd);
    return { bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}
