// Code on a slide comes from the solutions, never pasted, so it cannot drift from the reference.
//
//   <<< ../solutions/01-echo-broker/src/broker/broker.ts#start ts {4-10}
//
// includes the lines between `// #region start` and `// #endregion start` of that file (the path
// is relative to the deck), highlighted as TypeScript, with lines 4 to 10 of the snippet in focus
// and the others dimmed. A name that no region has is looked up as a declaration: `#start` is then
// the function, method, class, interface, type or const called start, with the comment right above
// it, so code that is one declaration needs no region of its own. Without `#name` the whole file
// is included. Region comments of any
// region and the generator's step markers of every kind (`//> step NN …`, `//<`; see
// lib/source/markers.ts) never reach the slide, and the snippet is dedented. In a copy without
// solutions/ (a student deleted it, to learn), an include of a solution becomes two lines that say
// so and name the student's own file; a missing file anywhere else still fails the build.
import fs from 'node:fs';
import path from 'node:path';
import { stripMarkers } from '../source/markers.ts';
import { relative } from './errors.ts';

export interface IncludeSpec {
  file: string;
  region: string | null;
  lang: string | null;
  focus: string | null;
}

export interface Snippet {
  code: string;
  lang: string;
  /** 1-based line numbers in focus; empty when every line is. */
  focus: number[];
}

/** Thrown with a message that is complete without the deck's name; the builder adds where. */
export class IncludeError extends Error {}

const INCLUDE = /^<<<\s+(\S+?)(?:#([\w.-]+))?(?:\s+([\w+#-]+))?(?:\s+\{([^}]*)\})?\s*$/;
/** `// #region name`, `# #region name`, `<!-- #region name -->`, `/* #region name *\/`. */
const REGION = /^\s*(?:\/\/|#|--|<!--|\/\*)\s*#(region|endregion)\b\s*([\w.-]*)/;

export function isIncludeLine(line: string): boolean {
  return line.trimStart().startsWith('<<<');
}

export function parseInclude(line: string): IncludeSpec {
  const match = INCLUDE.exec(line.trim());
  if (!match) {
    throw new IncludeError(`cannot read the include line "${line.trim()}"; write it as <<< ../solutions/NN-name/src/file.ts#region ts {2,5-7}`);
  }
  const [, file, region, lang, focus] = match;
  return { file: file!, region: region ?? null, lang: lang ?? null, focus: focus ?? null };
}

const LANG_BY_EXTENSION: Record<string, string> = {
  '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json',
  '.sh': 'bash', '.md': 'markdown', '.yml': 'yaml', '.yaml': 'yaml', '.py': 'python', '.txt': 'text',
};

/** Reads the included code. `deckDir` is the folder the deck lives in. */
export function resolveInclude(spec: IncludeSpec, deckDir: string): Snippet {
  const file = path.resolve(deckDir, spec.file);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    const withoutSolutions = placeholderWithoutSolutions(file, spec.region);
    if (withoutSolutions) return withoutSolutions;
    throw new IncludeError(`cannot include ${spec.file}: there is no file ${relative(file)}`);
  }
  const text = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  let lines: string[];
  try {
    lines = stripMarkers(text, relative(file)).split('\n');
  } catch (error) {
    throw new IncludeError(`cannot include ${spec.file}: ${(error as Error).message}`);
  }
  if (spec.region !== null) lines = (hasRegion(lines, spec.region) ? null : declarationLines(lines, spec.region)) ?? regionLines(lines, spec.region, relative(file));
  const code = dedent(lines.filter((line) => !REGION.test(line))).join('\n').replace(/\n+$/, '').replace(/^\n+/, '');
  const lang = spec.lang ?? LANG_BY_EXTENSION[path.extname(file)] ?? 'text';
  const count = code.split('\n').length;
  return { code, lang, focus: spec.focus === null ? [] : parseFocus(spec.focus, count) };
}

/** For a file under a solutions/ folder that does not exist at all: a snippet naming the student's own file. */
function placeholderWithoutSolutions(file: string, region: string | null): Snippet | null {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('solutions');
  if (at < 0 || fs.existsSync(parts.slice(0, at + 1).join(path.sep))) return null;
  const inStep = parts.slice(at + 1).join('/');
  const code = [
    `// The reference's ${inStep}${region ? `#${region}` : ''} goes here: this copy has no solutions/ folder.`,
    `// Your own is in steps/${inStep}; with solutions/ back, npm run diff compares them.`,
  ].join('\n');
  return { code, lang: 'ts', focus: [] };
}

function hasRegion(lines: string[], name: string): boolean {
  return lines.some((line) => REGION.exec(line)?.[2] === name);
}

/**
 * The declaration called `name` (function, method, accessor, class, interface, type or const) with
 * the comment just above it; null when there is none, or more than one.
 */
export function declarationLines(lines: string[], name: string): string[] | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const declares = new RegExp(
    `^(\\s*)(?:export\\s+)?(?:default\\s+)?(?:(?:async\\s+)?function\\*?\\s+${escaped}\\b|(?:abstract\\s+)?class\\s+${escaped}\\b|(?:interface|type|enum)\\s+${escaped}\\b|(?:const|let)\\s+${escaped}\\b|(?:(?:public|private|protected|static|readonly|override|async|get|set)\\s+)*${escaped}\\s*[(<])`,
  );
  const found = lines.flatMap((line, index) => (declares.test(line) ? [index] : []));
  if (found.length !== 1) return null;
  const at = found[0]!;
  const indent = declares.exec(lines[at]!)![1]!;
  let start = at;
  while (start > 0 && /^\s*(?:\/\/|\/\*\*|\*)/.test(lines[start - 1]!) && lines[start - 1]!.startsWith(indent) && !REGION.test(lines[start - 1]!)) start--;
  // One line (`const x = 1;`), or up to the line that closes it at its own indent.
  let end = at;
  if (!/;\s*$/.test(lines[at]!)) {
    end = lines.findIndex((line, index) => index > at && line.startsWith(`${indent}}`) && !line.startsWith(`${indent}} else`));
    if (end === -1) return null;
  }
  return lines.slice(start, end + 1);
}

function regionLines(lines: string[], name: string, file: string): string[] {
  const opens: number[] = [];
  const closes: number[] = [];
  const names = new Set<string>();
  lines.forEach((line, index) => {
    const match = REGION.exec(line);
    if (!match) return;
    names.add(match[2] ?? '');
    if (match[2] !== name) return;
    (match[1] === 'region' ? opens : closes).push(index);
  });
  const known = [...names].filter(Boolean);
  const hint = known.length ? ` (regions there: ${known.join(', ')})` : ' (it has no regions)';
  if (opens.length === 0) {
    throw new IncludeError(`there is no region "${name}" in ${file}${hint}, nor one declaration of that name; mark the code with // #region ${name} … // #endregion ${name}`);
  }
  if (opens.length > 1) throw new IncludeError(`region "${name}" opens ${opens.length} times in ${file}; region names must be unique`);
  const start = opens[0]!;
  const end = closes.find((close) => close > start);
  if (end === undefined) throw new IncludeError(`region "${name}" in ${file} is never closed with // #endregion ${name}`);
  return lines.slice(start + 1, end);
}

/** `2,5-7` → [2, 5, 6, 7], checked against the snippet's length. */
export function parseFocus(focus: string, count: number): number[] {
  const lines = new Set<number>();
  for (const part of focus.split(',').map((piece) => piece.trim()).filter(Boolean)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new IncludeError(`cannot read line focus "{${focus}}"; write it as {2,5-7}`);
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 1 || to < from || to > count) {
      throw new IncludeError(`line focus {${focus}} asks for lines ${from}-${to}, but the snippet has lines 1-${count}`);
    }
    for (let line = from; line <= to; line++) lines.add(line);
  }
  return [...lines].sort((a, b) => a - b);
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut));
}
