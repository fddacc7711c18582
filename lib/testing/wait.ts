// Waiting in tests: for an event or a condition, never for a fixed time. Every wait has a
// deadline, and running out of it fails the test with a message that says what did not happen.

/** Thrown when something a test waited for did not happen; shown like a failed expect(). */
export class ExpectationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/**
 * What a wait says when its deadline passes: a text, or a function that describes the state of
 * things then (how many records arrived, what a process printed), called only at the deadline.
 */
export type WaitMessage = string | (() => string);

/**
 * The error a wait fails with. It is made when the wait starts, so its stack points at the test
 * line that waited, and it is given its message when the deadline passes, so a message that
 * describes the state of things describes it as it is then, not as it was at the start.
 */
function deadlineFailure(message: WaitMessage, ms: number): () => ExpectationFailed {
  const failure = new ExpectationFailed('');
  const frames = (failure.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return () => {
    // The wait is the first line's sentence; lines after it (what a process printed, say) follow it.
    const [first, ...rest] = (typeof message === 'function' ? message() : message).split('\n');
    failure.message = [`${first} (waited ${ms} ms)`, ...rest].join('\n');
    failure.stack = [`${failure.name}: ${failure.message}`, ...frames].join('\n');
    return failure;
  };
}

/** Resolves as `promise` does, or fails with `message` if that takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: WaitMessage): Promise<T> {
  const failure = deadlineFailure(message, ms);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` until it returns true, failing with `message` after `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, message: WaitMessage): Promise<void> {
  const failure = deadlineFailure(message, ms);
  const started = Date.now();
  for (;;) {
    if (await condition()) return;
    if (Date.now() - started > ms) throw failure();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Polls `read` until its value has not changed for `steadyMs`, and resolves with that value;
 * fails with `message` after `ms`. For what no event announces: that something has stopped
 * moving (a broker that stops reading from a client that does not read its answers).
 */
export async function waitUntilSteady<T>(read: () => T, steadyMs: number, ms: number, message: WaitMessage): Promise<T> {
  const failure = deadlineFailure(message, ms);
  const started = Date.now();
  let value = read();
  let since = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    } else if (Date.now() - since >= steadyMs) return value;
    if (Date.now() - started > ms) throw failure();
  }
}
