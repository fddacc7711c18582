// Waiting on a client that may never answer. A student's producer whose retry is still a TODO can
// leave a send() that neither resolves nor rejects; a consumer's close() can hang on a group it
// never left. The run must still end and say so, so every wait on the clients has a bound.

/** Resolves true once `promise` settles (either way), or false after `ms`; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
