// A vite plugin: when a step's test imports from its own `../src/`, load that module from the
// copy KFS_TARGET names instead (see lib/testing/target.ts). Only imports made by test files
// are redirected; the redirected modules' own relative imports then stay inside their copy.
import path from 'node:path';
import type { Plugin } from 'vite';
import { STEPS_DIR } from '../paths.ts';
import { currentTarget, srcDirFor, stepOfFile } from '../testing/target.ts';

export function redirectStepSrc(): Plugin {
  return {
    name: 'kfs-redirect-step-src',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const target = currentTarget();
      if (target === 'student' || !importer || !source.startsWith('.')) return null;
      const step = stepOfFile(importer);
      if (!step) return null;
      const studentSrc = path.join(STEPS_DIR, step, 'src');
      const wanted = path.resolve(path.dirname(importer), source);
      const relative = path.relative(studentSrc, wanted);
      if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
      const redirected = path.join(srcDirFor(step, target), relative);
      return this.resolve(redirected, importer, { ...options, skipSelf: true });
    },
  };
}
