// The marker grammar: a file states a rewrites reason once; the next rewrites regions share it.
import { expect, test } from 'vitest';
import { MarkerError, parseRegions } from '../markers.ts';

test('a rewrites region without a reason has the reason of the one before it in the file', () => {
  const text = ['//> step 05 rewrites: fetch may now wait', 'a();', '//<', 'b();', '//> step 05 rewrites', 'c();', '//<'].join('\n');
  expect(parseRegions(text, 'f.ts').map((region) => region.message)).toEqual(['fetch may now wait', 'fetch may now wait']);
});

test('the first rewrites region of a file must give its reason', () => {
  expect(() => parseRegions(['//> step 05 rewrites', 'c();', '//<'].join('\n'), 'f.ts')).toThrow(MarkerError);
  expect(() => parseRegions(['//> step 05 rewrites', 'c();', '//<'].join('\n'), 'f.ts')).toThrow(/needs its reason, at least the first in a file/);
});
