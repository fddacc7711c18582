// The one vitest configuration: used by `npm run step`, `npm test` and a plain `npx vitest`.
import { defineConfig } from 'vitest/config';
import { redirectStepSrc } from './vitest/redirect-src.ts';
import { ROOT } from './paths.ts';

export default defineConfig({
  root: ROOT,
  plugins: [redirectStepSrc()],
  test: {
    include: ['steps/*/test/**/*.test.ts', 'lib/**/*.test.ts'],
    // Tests wait for events with their own deadlines (lib/testing/wait.ts); this is the backstop.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Step tests start servers and child processes; a failing one must not hide the others.
    passWithNoTests: false,
  },
});
