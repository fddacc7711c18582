// Property tests with fast-check, reported in the workshop's terms.
import fc from 'fast-check';

/**
 * fc.assert, reporting a failure with the test's own message (plus the smallest counterexample)
 * instead of fast-check's summary, and a TODO stub's error as it is.
 */
export function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, params?: fc.Parameters<Ts>): void {
  try {
    fc.assert(property, params);
  } catch (error) {
    const cause = (error as Error).cause;
    if (!(cause instanceof Error)) throw error;
    if (!cause.message.startsWith('TODO(')) {
      const counterexample = /Counterexample: (.*)/.exec((error as Error).message)?.[1];
      if (counterexample) cause.message += `\n(smallest failing input: ${counterexample.length > 300 ? `${counterexample.slice(0, 300)}…` : counterexample})`;
    }
    throw cause;
  }
}
