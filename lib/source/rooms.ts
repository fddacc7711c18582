// The rooms of a step's src/: each file sits in a folder named after the process or layer it
// belongs to, so that its path says who runs it, and imports point one way between them. The
// rule is written here once; `npm test` (phase 1) checks every solution against it.
//
//   client/      producer, accumulator, partitioner, serializers, consumer and its fetcher and
//                coordinator, assignors, admin, the client's view of the cluster, kcat
//   broker/      the broker, its replica manager, partitions, replica fetcher, group coordinator,
//                committed offsets, lifecycle, metadata loader
//   controller/  the controller and its decisions (elections, ISR changes)
//   metadata/    the cluster's metadata as records and their replay, and replica placement:
//                what the controller decides and every broker replays
//   storage/     the log on disk: segments, indexes, checkpoints, leader epochs
//   record/      record batches as they travel and as they are stored, their checksums and
//                varints: the one format clients, brokers and the log share
//   network/     frames, connections, the socket server and its request queue, the purgatory
//                where requests wait for data
//   protocol/    the requests and responses, one module per API
//   common/      what every side needs: Kafka's errors, topic names, topic-partitions
//   index.ts     the step's public API, at the root
//
// Arrows: a client never imports broker, controller or storage code; the controller never
// imports the broker's; storage, record, network, protocol and common import nothing of the
// processes above them. And no import cycle, between rooms' files or inside one.
import fs from 'node:fs';
import path from 'node:path';

export const ROOMS = ['client', 'broker', 'controller', 'metadata', 'storage', 'record', 'network', 'protocol', 'common'] as const;
export type Room = (typeof ROOMS)[number];

/** What each room may import (its own files always). */
export const MAY_IMPORT: Record<Room, readonly Room[]> = {
  client: ['network', 'protocol', 'record', 'common'],
  // A broker started without a controller runs one inside its process (KRaft's combined mode).
  broker: ['controller', 'metadata', 'storage', 'record', 'network', 'protocol', 'common'],
  controller: ['metadata', 'storage', 'record', 'network', 'protocol', 'common'],
  metadata: ['common'],
  storage: ['record', 'protocol', 'common'],
  record: ['protocol', 'common'],
  network: ['protocol', 'common'],
  // A message is written as a frame (network/frame.ts); metadata records travel in FetchMetadata.
  protocol: ['network', 'metadata', 'record', 'common'],
  common: ['protocol'],
};

export interface RoomProblem {
  file: string;
  problem: string;
}

/** A relative import or re-export: the text before the specifier, the specifier, its closing quote. */
export const RELATIVE_IMPORT = /((?:\bfrom|\bimport)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)(['"])/g;

/** Every .ts file under `srcDir`, relative with '/'. */
function sourceFiles(srcDir: string): string[] {
  return (fs.readdirSync(srcDir, { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts'))
    .sort();
}

/** The relative imports of each file, resolved to src-relative paths. */
export function importGraph(srcDir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const text = fs.readFileSync(path.join(srcDir, file), 'utf8');
    const targets = [...text.matchAll(RELATIVE_IMPORT)].map((match) => path.posix.normalize(path.posix.join(path.posix.dirname(file), match[2]!)));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

function roomOf(file: string): Room | 'root' | null {
  if (!file.includes('/')) return 'root';
  const room = file.split('/')[0] as Room;
  return ROOMS.includes(room) ? room : null;
}

/** Files outside a room, imports against the arrows, and import cycles, in a solution's src/. */
export function roomProblems(srcDir: string): RoomProblem[] {
  const graph = importGraph(srcDir);
  const problems: RoomProblem[] = [];
  for (const [file, targets] of graph) {
    const room = roomOf(file);
    if (room === null) {
      problems.push({ file, problem: `is in no room: move it into one of ${ROOMS.join('/, ')}/ (lib/source/rooms.ts says what goes where)` });
      continue;
    }
    if (room === 'root' && file !== 'index.ts') problems.push({ file, problem: 'sits at the root of src/, where only index.ts goes: move it into a room' });
    if (room === 'root') continue;
    for (const target of targets) {
      const to = roomOf(target);
      if (to === room || to === null || (to !== 'root' && MAY_IMPORT[room].includes(to))) continue;
      const why = to === 'root' ? 'only tests and lib import index.ts' : `${room}/ may import ${MAY_IMPORT[room].map((r) => `${r}/`).join(', ')} and itself, not ${to}/`;
      problems.push({ file, problem: `imports ${target}: ${why}. Move what both need where both may import it (common/ for shared types).` });
    }
  }
  for (const cycle of importCycles(graph)) problems.push({ file: cycle[0]!, problem: `imports, and is imported by, ${cycle.slice(1).join(', ')} (an import cycle): move what they share into a file of its own` });
  return problems;
}

/**
 * Comments that name a file of this src/ ("see replica-fetcher.ts") which is not there: a file
 * renamed, moved out, or not yet written in this step. A name with a folder is looked up as a
 * path (src-relative, or from the repository root for lib/…); a bare name anywhere in src/.
 */
export function staleCitations(srcDir: string, repositoryRoot: string): RoomProblem[] {
  const files = sourceFiles(srcDir);
  const names = new Set(files.map((file) => path.posix.basename(file)));
  const problems: RoomProblem[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(path.join(srcDir, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      const comment = /\/\/(.*)$|^\s*\*(.*)$/.exec(line);
      const text = comment?.[1] ?? comment?.[2];
      if (text === undefined) return;
      for (const [cited] of text.matchAll(/[\w./-]+\.ts\b/g)) {
        const exists = cited.includes('/')
          ? fs.existsSync(path.join(srcDir, cited)) || fs.existsSync(path.join(repositoryRoot, cited)) || names.has(path.posix.basename(cited))
          : names.has(cited);
        if (!exists) problems.push({ file: `${file}:${index + 1}`, problem: `cites ${cited}, which this step's src/ does not have: name the file as it is now` });
      }
    });
  }
  return problems;
}

/** The groups of two or more files that import each other, directly or round a cycle (Tarjan's strongly connected components). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next++);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1) cycles.push(group.reverse());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}
