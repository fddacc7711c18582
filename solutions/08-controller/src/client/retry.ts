// What the clients do when a request fails because the cluster changed under them (step 08).
//
// With a controller, leadership moves: a broker dies, the controller elects another replica, and
// every client still sending to the old leader is now wrong. The broker says so with an error
// code, or says nothing because it is gone and the connection drops. Neither is the client's
// fault, and both pass: the client waits a little (`retryBackoffMs`, Kafka's `retry.backoff.ms`),
// asks for fresh metadata, and sends again to whoever leads now. Kafka calls these errors
// RETRIABLE; every other error (a bad topic name, a record too large) would fail again the same
// way, so it is reported at once.
import { ConnectionError } from '../network/connection.ts';
import { KafkaError } from '../common/errors.ts';

/** Kafka's defaults for the retry settings every client shares. */
export const RETRY_DEFAULTS = {
  /** How long to wait before sending again after a retriable error; Kafka's `retry.backoff.ms` (100). */
  retryBackoffMs: 100,
  /** How long a record may take to be delivered, retries included; Kafka's `delivery.timeout.ms` (2 minutes). */
  deliveryTimeoutMs: 120_000,
  /**
   * How often a failed batch is sent again; Kafka's `retries`. Kafka's default is 2^31 - 1, in
   * effect "until deliveryTimeoutMs runs out", which is the limit that matters.
   */
  retries: 2_147_483_647,
  /** How long a consumer call such as commit() keeps retrying; Kafka's `default.api.timeout.ms` (1 minute). */
  defaultApiTimeoutMs: 60_000,
} as const;

/**
 * The error codes that mean "the cluster is changing, try again shortly". The first group says
 * the client's metadata is stale (a new leader or coordinator was elected, or is being elected):
 * refresh it, then retry. The second says the leader is right but could not do it in time or
 * with enough replicas: a retry may well succeed once followers catch up.
 */
export const RETRIABLE_ERRORS: ReadonlySet<string> = new Set([
  // Stale metadata: someone else leads the partition now, or nobody does yet.
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH', // the client's leader epoch is older than the broker's: its metadata is old
  'UNKNOWN_LEADER_EPOCH', // newer than the broker's: the broker has not heard of the election yet
  'NOT_COORDINATOR', // the group's coordinator moved with its __consumer_offsets partition
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_CONTROLLER',
  // The leader is right, but the in-sync replicas did not keep up this time.
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND', // retriable in Kafka too; the record is already on the leader, so the retry writes it again
]);

/** True for an error code, as a response carries it per partition, that is worth retrying. */
export function isRetriableCode(code: string): boolean {
  return RETRIABLE_ERRORS.has(code);
}

/** The codes that mean the group coordinator is elsewhere now (or nowhere yet): find it again. */
export const COORDINATOR_ERRORS: ReadonlySet<string> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);

/** True for a broker's retriable error code, and for a connection that failed or dropped (the broker may be back, or replaced, soon). */
export function isRetriable(error: unknown): boolean {
  if (error instanceof KafkaError) return isRetriableCode(error.code);
  return error instanceof ConnectionError;
}

/** True when the group's coordinator must be looked up again: it said it is not the one, or we lost it. */
export function isCoordinatorLost(error: unknown): boolean {
  if (error instanceof KafkaError) return COORDINATOR_ERRORS.has(error.code);
  return error instanceof ConnectionError;
}

/**
 * The error to report after retrying gave up: the last error, with how long and how often the
 * client tried. A broker's error keeps its code, so `catch` code that looks at `code` still works.
 */
export function gaveUp(lastError: Error, attempts: number, why: string): Error {
  const reason = `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${why}); the last error was ${lastError.message}`;
  if (lastError instanceof KafkaError) return new KafkaError(lastError.code, reason);
  return new Error(reason, { cause: lastError });
}

/** Resolves after `ms` milliseconds: the backoff between two attempts. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `attempt` until it succeeds, a non-retriable error comes, or `timeoutMs` has passed;
 * between attempts it waits `backoffMs` and calls `beforeRetry` (refresh metadata, find the
 * coordinator again). For calls a user waits on, such as commit(): Kafka bounds them by
 * `default.api.timeout.ms`.
 */
export async function withRetries<T>(
  what: string,
  options: { backoffMs: number; timeoutMs: number; retriable?: (error: unknown) => boolean; beforeRetry?: (error: unknown) => void | Promise<void>; log?: (line: string) => void; stop?: () => boolean },
  attempt: () => Promise<T>,
): Promise<T> {
  const retriable = options.retriable ?? isRetriable;
  const deadline = Date.now() + options.timeoutMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!retriable(error) || options.stop?.()) throw error;
      if (Date.now() + options.backoffMs >= deadline) throw gaveUp(error as Error, attempts, `${what} did not succeed within ${options.timeoutMs} ms`);
      options.log?.(`Retrying ${what} in ${options.backoffMs} ms: ${(error as Error).message}`);
      await sleep(options.backoffMs);
      await options.beforeRetry?.(error);
    }
  }
}
