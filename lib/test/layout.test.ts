// The table of the repository's parts (lib/layout.ts): which files belong, and what a stray file is told.
import { describe, expect, it } from 'vitest';
import { strayFiles } from '../layout.ts';

describe('the layout check', () => {
  it('accepts the files each part holds', () => {
    const files = [
      'package.json', 'README.md', '.ci/run', 'lib/main.ts', 'slides/00-intro.md', 'slides/07-replication.md', 'slides/assets/a.svg',
      'steps/07-replication/README.md', 'steps/07-replication/demo.ts', 'steps/07-replication/src/broker/broker.ts', 'steps/07-replication/test/a.test.ts',
      'solutions/07-replication/src/deep/x.ts', 'solutions/07-replication/mutants/m.patch',
    ];
    expect(strayFiles(files)).toEqual([]);
  });

  it('tells a stray file where files of its folder go', () => {
    const advice = Object.fromEntries(
      strayFiles(['.draft/producer.ts', 'notes.md', 'steps/03-producer/notes.md', 'solutions/03-producer/mutants/m.diff', 'slides/draft.md', 'steps/misc/x.ts']).map((stray) => [stray.file, stray.advice]),
    );
    expect(advice['.draft/producer.ts']).toMatch(/^The top level holds only package\.json, .*lib\/, .*steps\/ and solutions\//);
    expect(advice['notes.md']).toMatch(/^The top level holds only/);
    expect(advice['steps/03-producer/notes.md']).toBe('steps/03-producer/ holds only README.md, demo.ts, src/, test/ and recitation/: move it into one of them, or delete it');
    expect(advice['solutions/03-producer/mutants/m.diff']).toBe('solutions/03-producer/mutants/ holds only *.patch: move it into one of them, or delete it');
    expect(advice['slides/draft.md']).toBe('slides/ holds only README.md, NN-name.md and assets/: move it into one of them, or delete it');
    expect(advice['steps/misc/x.ts']).toMatch(/^steps\/ holds only NN-name\//);
  });
});
