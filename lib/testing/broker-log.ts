// A broker answers what it cannot read by closing the connection, and says why only in its log.
// Tests keep that log, and when a request fails they report what the broker logged: a TODO stub
// thrown while the broker read the request is the student's next task, not "the connection closed".
import { todoIn } from '../source/markers.ts';

/** The first TODO in a log, without what the logger added after it ("; retrying"). */
function firstTodo(log: string): string | null {
  return todoIn(log)?.replace(/; retrying$/, '') ?? null;
}

/** The error to fail a test with: the first TODO in the broker's log, else the first failure it logged, else the error itself. */
export function todoOrBug(error: Error, logLines: string[]): Error {
  const log = logLines.join('\n');
  const todo = firstTodo(log);
  if (todo) return new Error(todo);
  const failure = logLines.find((line) => /Closing the connection|Failed to handle/.test(line));
  if (failure) return new Error(`${error.message}\nThe broker logged: ${failure.split('\n').slice(0, 6).join('\n')}`);
  return error;
}

/**
 * `starting`, or the first TODO the broker logs before it settles: a broker whose start meets a
 * stub (while registering, say) only logs it and tries again, and would hang the test until its
 * timeout instead of naming the task.
 */
export async function todoInLog<T>(starting: Promise<T>, logLines: string[]): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watching = new Promise<never>((_, reject) => {
    const look = () => {
      const todo = firstTodo(logLines.join('\n'));
      if (todo) reject(new Error(todo));
      else timer = setTimeout(look, 20);
    };
    look();
  });
  // Whichever loses the race below may still settle later: neither is left unhandled.
  watching.catch(() => {});
  starting.catch(() => {});
  try {
    return await Promise.race([starting, watching]);
  } finally {
    clearTimeout(timer);
  }
}
