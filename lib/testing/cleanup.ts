// Stops what a test started, even when the test failed half-way or the code under test is
// still a TODO stub (a stub's error must not hide the test's own failure).
import { afterEach } from 'vitest';
import { within } from './wait.ts';

type Stoppable = { stop(): Promise<unknown> | unknown } | { close(): Promise<unknown> | unknown } | { destroy(): unknown } | { kill(): unknown };

export function useCleanup() {
  const items: Stoppable[] = [];
  afterEach(async () => {
    for (const item of items.splice(0).reverse()) {
      try {
        if ('stop' in item) await within(Promise.resolve(item.stop()), 3_000, 'cleanup: stop() hung');
        else if ('close' in item) await within(Promise.resolve(item.close()), 3_000, 'cleanup: close() hung');
        else if ('destroy' in item) item.destroy();
        else item.kill();
      } catch {
        // Already reported by the test, or a TODO stub: nothing more to clean.
      }
    }
  });
  /** Registers something to stop after the test and returns it. */
  return <T extends Stoppable>(item: T): T => {
    items.push(item);
    return item;
  };
}
