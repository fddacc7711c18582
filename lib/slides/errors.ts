// The one error the slide builder throws: it says which deck, which slide and which line, and
// what to do about it, so an instructor can fix a deck without reading the builder.
import path from 'node:path';
import { ROOT } from '../paths.ts';

export interface Where {
  /** Absolute path of the deck's Markdown file. */
  deck: string;
  /** 1-based slide number, when known. */
  slide?: number;
  /** The slide's first heading, when known. */
  title?: string;
  /** 1-based line in the deck file, when known. */
  line?: number;
}

export class SlideBuildError extends Error {
  constructor(
    readonly where: Where,
    problem: string,
  ) {
    super(`${describe(where)}: ${problem}`);
    this.name = 'SlideBuildError';
  }
}

export function describe(where: Where): string {
  const file = relative(where.deck);
  const line = where.line === undefined ? '' : `:${where.line}`;
  const slide = where.slide === undefined ? '' : ` (slide ${where.slide}${where.title ? ` "${where.title}"` : ''})`;
  return `${file}${line}${slide}`;
}

/** A path as the maintainer sees it: relative to the repository, with forward slashes. */
export function relative(file: string): string {
  const rel = path.relative(ROOT, file);
  return (rel.startsWith('..') ? file : rel).split(path.sep).join('/');
}
