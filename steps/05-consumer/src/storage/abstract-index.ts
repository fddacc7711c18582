// What the offset index and the time index share: Kafka's AbstractIndex.
//
// Each is a file of fixed-size entries that only grow (in both of their fields), kept in memory
// as an array and appended to at the end of the file; each is cut back when the log is, and
// searched the same way: a binary search for the last entry at or before what is wanted, from
// which the segment scans forward. Kafka memory-maps a preallocated file; these keep their
// entries in an array and write each new one to the file.
import fs from 'node:fs';

export abstract class AbstractIndex<Entry extends { offset: number }> {
  protected entries: Entry[] = [];
  private readonly fd: number;
  /** True when the file held a torn entry or entries out of order: what followed them was dropped. */
  readonly damaged: boolean;

  /** Opens (or creates) the index file and loads the entries it holds. */
  constructor(
    readonly file: string,
    readonly baseOffset: number,
    private readonly entrySize: number,
  ) {
    this.fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    const bytes = fs.readFileSync(file);
    for (let at = 0; at + entrySize <= bytes.length; at += entrySize) {
      const entry = this.readEntry(bytes, at);
      // An index written during a crash may end in a half entry or garbage: keep what is ordered.
      if (!this.mayFollow(this.entries.at(-1), entry)) break;
      this.entries.push(entry);
    }
    this.damaged = this.entries.length * entrySize !== bytes.length;
    if (this.damaged) fs.ftruncateSync(this.fd, this.entries.length * entrySize);
  }

  /** The entry stored at byte `at` of the file. */
  protected abstract readEntry(bytes: Buffer, at: number): Entry;
  /** An entry's bytes, as the file stores them. */
  protected abstract entryBytes(entry: Entry): Buffer;
  /** Whether `entry` may come after `last` (undefined for the first one). */
  protected abstract mayFollow(last: Entry | undefined, entry: Entry): boolean;

  get entryCount(): number {
    return this.entries.length;
  }

  get lastEntry(): Entry | undefined {
    return this.entries.at(-1);
  }

  /** Writes `entry` at the end of the file; the subclass has checked it may follow the last one. */
  protected appendEntry(entry: Entry): void {
    fs.writeSync(this.fd, this.entryBytes(entry), 0, this.entrySize, this.entries.length * this.entrySize);
    this.entries.push(entry);
  }

  /**
   * The last entry whose `key` is at or before `target`, or undefined when even the first one is
   * past it. Entries grow in both of their fields, so either field is sorted: binary search.
   */
  protected lastAtOrBefore(key: (entry: Entry) => number, target: number): Entry | undefined {
    let found: Entry | undefined;
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.entries[middle]!;
      if (key(entry) <= target) {
        found = entry; // a candidate; a later one may still be <= target
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Drops every entry for `offset` and later (the log was cut back to before `offset`). */
  truncateTo(offset: number): void {
    this.entries = this.entries.filter((entry) => entry.offset < offset);
    fs.ftruncateSync(this.fd, this.entries.length * this.entrySize);
  }

  /** Drops every entry: recovery rebuilds the index from the .log file. */
  reset(): void {
    this.truncateTo(-Infinity);
  }

  flush(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  delete(): void {
    this.close();
    fs.rmSync(this.file, { force: true });
  }
}
