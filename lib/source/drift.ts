// Step N+1 must carry step N's reference forward. Comparing the two solutions, every line that
// changed must be the work of a region marked for step N+1 (or sit in the import block at the
// top of the file), so a fix made in step 04 but not in 05 is caught instead of silently diverging.
//
// Added lines must lie inside a region. Removed inherited lines must be replaced: the lines added
// in their place must belong to a region whose kind may replace inherited code (markers.ts says
// which: not `given`, which only adds). A removal merely next to a given region is drift.
import fs from 'node:fs';
import path from 'node:path';
import { diffArrays } from 'diff';
import { listFiles, type Step } from '../steps.ts';
import { isSlideRegion, pad, parseRegions, replacesInherited, stripMarkers, type Region } from './markers.ts';

export interface Drift {
  file: string;
  /** 1-based line in the later step's solution. */
  line: number;
  change: string;
  /** What to do about it, when the check can tell. */
  advice?: string;
}

export function driftBetween(earlier: Step, later: Step): Drift[] {
  const drifts: Drift[] = [];
  const earlierFiles = new Set(listFiles(earlier.solutionSrcDir));
  for (const relative of listFiles(later.solutionSrcDir)) {
    // A file new in this step cannot have drifted from anything.
    if (!earlierFiles.has(relative)) continue;
    const before = fs.readFileSync(path.join(earlier.solutionSrcDir, ...relative.split('/')), 'utf8');
    const after = fs.readFileSync(path.join(later.solutionSrcDir, ...relative.split('/')), 'utf8');
    const display = `solutions/${later.name}/src/${relative}`;
    drifts.push(...driftInFile(stripMarkers(before, relative), after, display));
  }
  return drifts;
}

/** `before`: the earlier step's code without markers; `after`: the later step's marked solution. */
export function driftInFile(before: string, after: string, file: string): Drift[] {
  // Slide regions are the decks' bookmarks, not code: both sides are compared without them, and
  // `at` turns a line of the compared text back into a line of the file.
  const beforeLines = before.split('\n').filter((line) => !isSlideRegion(line));
  const afterAll = after.split('\n');
  const kept = afterAll.flatMap((line, index) => (isSlideRegion(line) ? [] : [index]));
  const afterLines = kept.map((index) => afterAll[index]!);
  const at = (line: number) => kept[line] ?? afterAll.length;
  const regions = parseRegions(after, file);
  const inRegion = (line: number) => regions.some((region) => region.start <= at(line) && at(line) <= region.end);
  const afterPrologue = importBlockEnd(afterLines);
  const beforePrologue = importBlockEnd(beforeLines);
  const replacing = new Set<Region>();
  const drifts: Drift[] = [];

  // Walk the diff hunk by hunk: a hunk is a run of removed and added parts between unchanged
  // lines, so its removed lines were replaced by its added lines, whichever the diff lists first.
  const parts = diffArrays(beforeLines, afterLines);
  let beforeIndex = 0;
  let afterIndex = 0;
  for (let first = 0; first < parts.length; ) {
    if (!parts[first]!.added && !parts[first]!.removed) {
      beforeIndex += parts[first]!.count ?? parts[first]!.value.length;
      afterIndex += parts[first]!.count ?? parts[first]!.value.length;
      first++;
      continue;
    }
    let last = first;
    while (last < parts.length && (parts[last]!.added || parts[last]!.removed)) last++;
    const removed: { line: number; text: string }[] = [];
    const addedOutside: { line: number; text: string }[] = [];
    const from = afterIndex;
    for (const part of parts.slice(first, last)) {
      if (part.added) {
        part.value.forEach((text, offset) => {
          const line = afterIndex + offset;
          // Blank lines move around as regions come and go, and slide regions are the decks'
          // bookmarks: neither can change what the code does.
          if (!inRegion(line) && line >= afterPrologue && !isBookkeeping(text)) addedOutside.push({ line, text });
        });
        afterIndex += part.value.length;
      } else {
        part.value.forEach((text, offset) => removed.push({ line: beforeIndex + offset, text }));
        beforeIndex += part.value.length;
      }
    }
    // A pure insertion can be slid over equal lines at its edges (inserting "x, }" after "}" is
    // inserting "}, x" before it): if one of its equal placements lies inside regions, it is.
    if (removed.length === 0 && addedOutside.length > 0 && slidesIntoRegions(afterLines, from, afterIndex, (line) => inRegion(line) || line < afterPrologue || isBookkeeping(afterLines[line]!))) {
      addedOutside.length = 0;
    }
    for (const added of addedOutside) drifts.push({ file, line: at(added.line) + 1, change: `+ ${added.text}` });
    const unreplaced = removed.filter(({ line, text }) => !isBookkeeping(text) && line >= beforePrologue);
    if (unreplaced.length > 0) {
      const standing = regions.filter((region) => standsWhere(region, at(from), at(afterIndex)));
      const by = standing.filter((region) => replacesInherited(region.kind));
      by.forEach((region) => replacing.add(region));
      if (by.length === 0) {
        const given = standing[0];
        const advice = given
          ? `the given region on line ${given.start + 1} stands where these lines were, but given code only adds; if it replaces them, mark it //> step ${pad(given.step)} rewrites: why`
          : undefined;
        unreplaced.forEach(({ text }, index) => drifts.push({ file, line: at(from) + 1, change: `- ${text}`, ...(index === 0 && advice ? { advice } : {}) }));
      }
    }
    first = last;
  }

  // A rewrites region claims to change inherited code; one that replaces nothing should say given.
  for (const region of regions) {
    if (region.kind === 'rewrites' && !replacing.has(region)) {
      drifts.push({ file, line: region.start + 1, change: `//> step ${pad(region.step)} rewrites replaces no inherited line: mark it given` });
    }
  }
  return drifts.sort((a, b) => a.line - b.line);
}

/** Whether the lines inserted at [start, end) have an equal placement, slid up or down, where every line is `allowed`. */
function slidesIntoRegions(lines: string[], start: number, end: number, allowed: (line: number) => boolean): boolean {
  const fits = (from: number) => Array.from({ length: end - start }, (_, offset) => from + offset).every(allowed);
  for (let up = 1; start - up >= 0 && lines[start - up] === lines[end - up]; up++) if (fits(start - up)) return true;
  for (let down = 1; end + down - 1 < lines.length && lines[start + down - 1] === lines[end + down - 1]; down++) if (fits(start + down)) return true;
  return false;
}

/** A blank line, or a slide region line. */
function isBookkeeping(text: string): boolean {
  return text.trim() === '' || isSlideRegion(text);
}

/**
 * Whether the region stands where a hunk's removed lines were: the hunk added lines of the region
 * (its markers count), or, for a hunk that only removes, the removal lies between its markers.
 */
function standsWhere(region: Region, from: number, to: number): boolean {
  return to > from ? region.start < to && from <= region.end : region.start < from && from <= region.end;
}

/** Lines before the first top-level statement that is not an import or a re-export (comments and blanks count too). */
function importBlockEnd(lines: string[]): number {
  let inImport = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (inImport) {
      if (/\bfrom\s+['"]|^\s*['"][^'"]+['"];?\s*$/.test(line)) inImport = false;
      continue;
    }
    if (/^\s*$|^\s*\/\/|^\s*\/\*|^\s*\*/.test(line)) continue;
    // Re-exports (`export { X } from './x.ts'`) count too: an index.ts is nothing else.
    if (/^import\b|^export\s+(type\s+)?(\{|\*)/.test(line)) {
      inImport = !/\bfrom\s+['"]|^import\s+['"]/.test(line);
      continue;
    }
    return index;
  }
  return lines.length;
}
