// Where fetches wait for data: Kafka calls it the fetch "purgatory".
//
// A consumer that has read everything asks again at once. If the broker answered "nothing yet"
// straight away, the consumer would ask again, and again: thousands of empty round trips a second
// that burn CPU on both sides (a busy loop). Instead the broker PARKS such a fetch here: it stays
// unanswered until a producer appends to one of the partitions it reads, or until its maxWaitMs
// runs out. That is long polling: a record produced while a consumer waits reaches it at once,
// and an idle consumer costs one request every maxWaitMs (Kafka's fetch.max.wait.ms, 500 ms).
//
// The purgatory does not read logs or count bytes: it only knows who waits for which partition.
// Each waiter has one timer (its maxWaitMs), never one per record, and nothing here polls.
import { keyOf } from '../common/topic-partition.ts';

/** Why a parked fetch woke up. */
export type WakeReason = 'appended' | 'timeout' | 'released';

interface Waiter {
  /** The partitions ("topic-partition") the fetch reads. */
  keys: string[];
  timer: NodeJS.Timeout;
  wake: (reason: WakeReason) => void;
}

export class FetchPurgatory {
  /** For each partition, the fetches waiting for an append to it. */
  private readonly waiting = new Map<string, Set<Waiter>>();

  /** How many fetches are parked now (tests and demos show it). */
  get size(): number {
    const all = new Set<Waiter>();
    for (const waiters of this.waiting.values()) for (const waiter of waiters) all.add(waiter);
    return all.size;
  }

  /**
   * Parks a fetch that reads `partitions` until one of them gets an append ('appended'),
   * `maxWaitMs` passes ('timeout'), or the broker stops or the fetch's client goes away
   * ('released': `signal` aborts when its connection closes).
   */
  wait(partitions: Array<{ topic: string; partition: number }>, maxWaitMs: number, signal?: AbortSignal): Promise<WakeReason> {
    // A fetch whose client has already gone is not parked at all: no waiter, no timer.
    if (signal?.aborted) return Promise.resolve('released');
    return new Promise((resolve) => {
      const release = () => waiter.wake('released');
      const waiter: Waiter = {
        keys: partitions.map(({ topic, partition }) => keyOf(topic, partition)),
        timer: setTimeout(() => waiter.wake('timeout'), maxWaitMs),
        wake: (reason) => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', release);
          for (const key of waiter.keys) this.waitersOf(key).delete(waiter);
          resolve(reason);
        },
      };
      signal?.addEventListener('abort', release);
      for (const key of waiter.keys) this.waitersOf(key).add(waiter);
    });
  }

  /** A producer appended to this partition: every fetch waiting for it wakes up. */
  appended(topic: string, partition: number): void {
    // A copy: waking a waiter removes it from the set we are walking.
    for (const waiter of [...this.waitersOf(keyOf(topic, partition))]) waiter.wake('appended');
  }

  /** Wakes every parked fetch now, so a stopping broker leaves no request (and no timer) behind. */
  releaseAll(): void {
    for (const waiters of [...this.waiting.values()]) for (const waiter of [...waiters]) waiter.wake('released');
  }

  /** The set of fetches waiting on one partition (an empty set when there are none). */
  private waitersOf(key: string): Set<Waiter> {
    let waiters = this.waiting.get(key);
    if (!waiters) this.waiting.set(key, (waiters = new Set()));
    return waiters;
  }
}

/**
 * acks=all produce requests wait the same way, each on the partitions it wrote to: `appended`
 * wakes them when a partition's high watermark moves (the in-sync replicas have more of it),
 * and they look again whether their records are all below it.
 */
export { FetchPurgatory as ProducePurgatory };
