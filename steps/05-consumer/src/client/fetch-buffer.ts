// The consumer's records fetched and not handed out yet, in the order they came: a queue.
//
// An array would do, except for Array.prototype.shift: once an array holds more than about
// 16 000 items, V8 moves every remaining item on each shift, so handing out one fetch of 1 MiB of
// 100-byte records (about 10 000 per partition) one by one takes seconds. Here shift() moves an
// index instead, and the array starts afresh each time it has been emptied (the consumer fetches
// again only then).
export class FetchBuffer<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** How many are waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, taken out; undefined when there is none. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // handed out: nothing here keeps it alive
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return item;
  }

  /** A new buffer with the waiting items that pass `keep`, in order (as Array.prototype.filter). */
  filter(keep: (item: T) => boolean): FetchBuffer<T> {
    const kept = new FetchBuffer<T>();
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (keep(item)) kept.push(item);
    }
    return kept;
  }
}
