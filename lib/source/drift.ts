// Step N+1 must carry step N's reference forward. Comparing the two solutions, every line that
// changed must sit inside a region marked for step N+1 (or in the import block at the top of the
// file), so a fix made in step 04 but not in 05 is caught instead of silently diverging.
import fs from 'node:fs';
import path from 'node:path';
import { diffArrays } from 'diff';
import { listFiles, type Step } from '../steps.ts';
import { parseRegions, stripMarkers } from './markers.ts';

export interface Drift {
  file: string;
  /** 1-based line in the later step's solution. */
  line: number;
  change: string;
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

export function driftInFile(before: string, after: string, file: string): Drift[] {
  const afterLines = after.split('\n');
  const allowed = new Array<boolean>(afterLines.length).fill(false);
  for (const region of parseRegions(after, file)) {
    for (let line = region.start; line <= region.end; line++) allowed[line] = true;
  }
  const prologueEnd = importBlockEnd(afterLines);
  for (let line = 0; line < prologueEnd; line++) allowed[line] = true;

  const drifts: Drift[] = [];
  let index = 0;
  for (const part of diffArrays(before.split('\n'), afterLines)) {
    if (part.added) {
      part.value.forEach((text, offset) => {
        // Blank lines move around as regions come and go; they cannot change what the code does.
        if (!allowed[index + offset] && text.trim() !== '') drifts.push({ file, line: index + offset + 1, change: `+ ${text}` });
      });
      index += part.count ?? part.value.length;
    } else if (part.removed) {
      // A removal is fine where it borders a marked region: the region replaced that code.
      const borders = allowed[index - 1] === true || allowed[index] === true;
      if (!borders) part.value.filter((text) => text.trim() !== '').forEach((text) => drifts.push({ file, line: index + 1, change: `- ${text}` }));
    } else {
      index += part.count ?? part.value.length;
    }
  }
  return drifts;
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
