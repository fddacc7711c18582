// The drift check's rules (lib/source/drift.ts, markers.ts): what a later step's solution may
// change in the code it inherited, region kind by region kind.
import { describe, expect, it } from 'vitest';
import { driftInFile } from '../drift.ts';
import { MarkerError, parseRegions } from '../markers.ts';
import { starterText } from '../starter.ts';

const INHERITED = ['export function a(): number {', '  return 1;', '}', '', 'export function b(): number {', '  return 2;', '}', ''].join('\n');

/** The drift of a later step whose solution is these lines, against INHERITED. */
const drift = (...after: string[]) => driftInFile(INHERITED, after.join('\n'), 'later.ts').map((found) => found.change);

describe('the drift check', () => {
  it('accepts the inherited code unchanged', () => {
    expect(drift(INHERITED)).toEqual([]);
  });

  it('accepts lines a given region adds', () => {
    expect(drift(INHERITED, '//> step 05 given', 'export const c = 3;', '//<', '')).toEqual([]);
  });

  it('accepts a given function the diff aligns oddly: the inherited doc comment it matched lies inside the region once the insertion slides', () => {
    const before = ['export function a(): void {', '}', '', '/**', ' * b', ' */', 'export function b(): void {', '}', ''].join('\n');
    const after = ['export function a(): void {', '}', '', '//> step 05 given', '/**', ' * c', ' */', 'export function c(): void {', '}', '//<', '', '/**', ' * b', ' */', 'export function b(): void {', '}', ''].join('\n');
    expect(driftInFile(before, after, 'later.ts')).toEqual([]);
    expect(driftInFile(before, after.replace('//> step 05 given\n', '').replace('//<\n', ''), 'later.ts').length, 'the same function outside a region is still drift').toBeGreaterThan(0);
  });

  it('ignores slide region lines, added or removed', () => {
    expect(drift('// #region ab', INHERITED.replace('export function b', '// #endregion ab\nexport function b'))).toEqual([]);
  });

  it('reports a line added outside any region', () => {
    expect(drift(INHERITED, 'export const c = 3;', '')).toEqual(['+ export const c = 3;']);
  });

  it('reports inherited lines deleted right after a given region', () => {
    const after = ['export function a(): number {', '  return 1;', '}', '', '//> step 05 given', 'export const c = 3;', '//<', ''];
    expect(drift(...after)).toEqual(['- export function b(): number {', '-   return 2;', '- }']);
  });

  it('reports inherited lines deleted right before a given region', () => {
    const after = ['//> step 05 given', 'export const c = 3;', '//<', '', 'export function b(): number {', '  return 2;', '}', ''];
    expect(drift(...after)).toEqual(['- export function a(): number {', '-   return 1;', '- }']);
  });

  it('says when a given region stands where the lines were, and how to mark a real rewrite', () => {
    const [first] = driftInFile(INHERITED, ['export function a(): number {', '  return 1;', '}', '', '//> step 05 given', 'export const c = 3;', '//<', ''].join('\n'), 'later.ts');
    expect(first?.advice).toMatch(/given region on line 5 .* \/\/> step 05 rewrites: why/);
  });

  it('reports inherited lines deleted far from any region', () => {
    expect(drift('//> step 05 given', 'export const c = 3;', '//<', '', 'export function a(): number {', '  return 1;', '}', '')).toEqual([
      '- export function b(): number {',
      '-   return 2;',
      '- }',
    ]);
  });

  it('accepts a rewrites region that stands where the inherited lines were', () => {
    const after = ['export function a(): number {', '  return 1;', '}', '', '//> step 05 rewrites: b counts from ten now', 'export function b(): number {', '  return 10;', '}', '//<', ''];
    expect(drift(...after)).toEqual([]);
  });

  it('accepts a rewrites region that only deletes, with its reason', () => {
    expect(drift('export function a(): number {', '  return 1;', '}', '', '//> step 05 rewrites: nobody calls b any more', '//<', '')).toEqual([]);
  });

  it('reports a rewrites region that replaces nothing: it should say given', () => {
    expect(drift(INHERITED, '//> step 05 rewrites: a new constant', 'export const c = 3;', '//<', '')).toEqual([
      '//> step 05 rewrites replaces no inherited line: mark it given',
    ]);
  });

  it('accepts a task region whose stub stands where an inherited function body was', () => {
    const after = ['export function a(): number {', '  //> step 05 task 1: a — return one more', '  return 2;', '  //<', '}', '', 'export function b(): number {', '  return 2;', '}', ''];
    expect(drift(...after)).toEqual([]);
  });

  it('accepts changed imports at the top of a file', () => {
    const before = ["import { x } from './x.ts';", "import { y } from './y.ts';", '', INHERITED].join('\n');
    const after = ["import { x, z } from './x.ts';", '', INHERITED].join('\n');
    expect(driftInFile(before, after, 'later.ts')).toEqual([]);
  });
});

describe('the marker grammar', () => {
  it('reads a rewrites region and its reason', () => {
    const [region] = parseRegions(['//> step 05 rewrites: b counts from ten now', 'x();', '//<'].join('\n'));
    expect(region).toMatchObject({ step: 5, task: null, kind: 'rewrites', message: 'b counts from ten now' });
  });

  it('refuses a rewrites region without a reason, or with a task number', () => {
    expect(() => parseRegions('//> step 05 rewrites\n//<')).toThrow(MarkerError);
    expect(() => parseRegions('//> step 05 rewrites:\n//<')).toThrow(/needs its reason/);
    expect(() => parseRegions('//> step 05 task 2 rewrites: why\n//<')).toThrow(/not a task/);
  });

  it('keeps a rewrites region in the starter as it keeps a given one', () => {
    const solution = ['a();', '//> step 05 rewrites: why', 'b();', '//<', '//> step 05 given', 'c();', '//<', '//> step 05 task 1: d', 'd();', '//<'].join('\n');
    expect(starterText(solution, 5, 'x.ts').split('\n')).toEqual(['a();', 'b();', 'c();', "throw new Error('TODO(step 05, task 1): d');"]);
  });
});
