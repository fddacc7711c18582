// The marked-source format shared by the starter generator, the drift check, `npm run diff`,
// `npm run carry` and the slide builder.
//
// A solution file marks the code its step adds or changes:
//
//   //> step 01 task 2: Broker.start — listen on host:port      (a task: the starter throws)
//   //> step 01 task 3 omit: handle the socket's 'error' event   (a task: the starter drops it)
//   //> step 02 given                                            (new in step 02, not a task)
//   //> step 05 rewrites: fetch now waits for data               (changes inherited code, not a task)
//   ...code...
//   //<
//
// Regions do not nest. Everything outside a region is code the step inherited unchanged.
//
// What a region may do to the code the step inherited (the drift check, lib/source/drift.ts):
//   - every kind may add lines;
//   - `given` only adds: inherited lines removed where a given region stands are drift;
//   - `rewrites` is given code that stands where inherited lines were; its reason is required,
//     so the solution says why the earlier step's code changes. A file gives a reason once: a
//     later `//> step 05 rewrites` without one has the reason of the one before it in the file;
//   - `task` and `omit` may stand where inherited lines were too: a task that rewrites an
//     earlier function is the student's work, and its README task is the reason. In the starter
//     the stub then stands where the inherited code was.
// Removed inherited lines are allowed only where a region that may replace them stands (and in
// the import block at the top of a file).

export type RegionKind = 'task' | 'omit' | 'given' | 'rewrites';

/** The rule above, in one place: may a region of this kind stand where inherited lines were? */
export function replacesInherited(kind: RegionKind): boolean {
  return kind !== 'given';
}

export interface Region {
  step: number;
  task: number | null;
  kind: RegionKind;
  message: string;
  /** Whitespace before the opening marker, reused for the stub line. */
  indent: string;
  /** 0-based line numbers of the opening and closing markers. */
  start: number;
  end: number;
}

export class MarkerError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line + 1}: ${problem}`);
    this.name = 'MarkerError';
  }
}

const OPEN = /^(\s*)\/\/> step (\d{2})(?: task (\d+))?(?: (omit|given|rewrites))?(?::\s*(.*?))?\s*$/;
const CLOSE = /^\s*\/\/<\s*$/;
/** Any line that looks like it wants to be a marker, so typos are reported rather than kept. */
const LOOKS_LIKE_OPEN = /^\s*\/\/>/;

export function parseRegions(text: string, file = '<source>'): Region[] {
  const lines = text.split('\n');
  const regions: Region[] = [];
  let open: Omit<Region, 'end'> | null = null;
  // The reason of the last rewrites region: a file states it once, the next ones may omit it.
  let lastReason = '';

  lines.forEach((line, index) => {
    const opening = OPEN.exec(line);
    if (opening) {
      if (open) throw new MarkerError(file, index, `a region opens inside the region opened on line ${open.start + 1}; close that one with //< first`);
      const [, indent, step, task, kind, message] = opening;
      const region = {
        step: Number(step),
        task: task === undefined ? null : Number(task),
        kind: (kind ?? 'task') as RegionKind,
        message: message ?? '',
        indent: indent ?? '',
        start: index,
      };
      if ((region.kind === 'task' || region.kind === 'omit') && (region.task === null || region.message === '')) {
        throw new MarkerError(file, index, 'a task region needs a task number and a message: //> step 01 task 2: what to write');
      }
      if ((region.kind === 'given' || region.kind === 'rewrites') && region.task !== null) {
        throw new MarkerError(file, index, `a ${region.kind} region is not a task; drop "task ${region.task}" or drop "${region.kind}"`);
      }
      if (region.kind === 'rewrites' && region.message === '') {
        if (lastReason === '') throw new MarkerError(file, index, 'a rewrites region needs its reason, at least the first in a file: //> step 05 rewrites: why the inherited code changes');
        region.message = lastReason;
      }
      if (region.kind === 'rewrites') lastReason = region.message;
      open = region;
      return;
    }
    if (LOOKS_LIKE_OPEN.test(line)) {
      throw new MarkerError(file, index, `malformed marker "${line.trim()}"; expected //> step NN task N[ omit]: message, //> step NN given, or //> step NN rewrites: reason`);
    }
    if (CLOSE.test(line)) {
      if (!open) throw new MarkerError(file, index, '//< closes a region that was never opened');
      regions.push({ ...open, end: index });
      open = null;
    }
  });

  if (open) throw new MarkerError(file, (open as Region).start, 'region is never closed with //<');
  return regions;
}

/** The text a TODO stub carries; the step runner and the tests both look for "TODO(step NN". */
export function todoText(region: Region): string {
  const where = region.task === null ? `step ${pad(region.step)}` : `step ${pad(region.step)}, task ${region.task}`;
  return `TODO(${where}): ${region.message}`;
}

/** The TODO a stub threw, found inside any message that carries it (a rethrown or relayed error), up to the line's end. */
export function todoIn(message: string): string | null {
  return /TODO\(step \d{2}(?:, task \d+)?\): [^\n]*/.exec(message)?.[0] ?? null;
}

/** A `// #region name` or `// #endregion name` line, which a deck includes code by (lib/slides/include.ts). */
export function isSlideRegion(line: string): boolean {
  return /^\s*\/\/ #(?:end)?region\b/.test(line);
}

/** The code without its slide regions: they are for instructors; a starter carries none, and `npm run diff` compares without them. */
export function withoutSlideRegions(text: string): string {
  return text
    .split('\n')
    .filter((line) => !isSlideRegion(line))
    .join('\n');
}

/** The code with every marker line removed and every region's contents kept. */
export function stripMarkers(text: string, file = '<source>'): string {
  const markerLines = new Set<number>();
  for (const region of parseRegions(text, file)) {
    markerLines.add(region.start);
    markerLines.add(region.end);
  }
  return text
    .split('\n')
    .filter((_, index) => !markerLines.has(index))
    .join('\n');
}

export function pad(step: number): string {
  return String(step).padStart(2, '0');
}
