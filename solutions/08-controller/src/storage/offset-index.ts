// The offset index of one segment: "the batch with offset X starts at byte P of the .log file".
//
// Without it, reading offset 1,000,000 means scanning a segment from its first byte. With an
// entry for every batch the index would be as big as the data. Kafka's answer is a SPARSE index:
// one entry each time another `index.interval.bytes` (4096 by default) have been written. A
// look-up finds the last entry at or before the wanted offset and the segment scans forward from
// there, so it never reads more than about 4 KiB too many.
//
// On disk an entry is 8 bytes: the offset relative to the segment's base offset (int32, so a
// segment holds at most 2^31 offsets) and the byte position in the .log file (int32, so a
// segment is at most 2 GiB; Kafka has the same limits). Entries are in increasing order of both,
// which is what makes binary search work. Kafka memory-maps a preallocated file; this index
// keeps its entries in an array and appends each new one to the file.
import fs from 'node:fs';

export interface IndexEntry {
  /** An absolute offset: the base offset of a batch. */
  offset: number;
  /** Where that batch starts in the segment's .log file. */
  position: number;
}

const ENTRY_SIZE = 8;

export class OffsetIndex {
  private entries: IndexEntry[] = [];
  private fd: number;

  /** Opens (or creates) the index file and loads the entries it holds. */
  constructor(
    readonly file: string,
    readonly baseOffset: number,
  ) {
    this.fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    const bytes = fs.readFileSync(file);
    for (let at = 0; at + ENTRY_SIZE <= bytes.length; at += ENTRY_SIZE) {
      const entry = { offset: baseOffset + bytes.readInt32BE(at), position: bytes.readInt32BE(at + 4) };
      const last = this.entries.at(-1);
      // An index written during a crash may end in a half entry or garbage: keep what is ordered.
      if (last && (entry.offset <= last.offset || entry.position <= last.position)) break;
      this.entries.push(entry);
    }
    if (this.entries.length * ENTRY_SIZE !== bytes.length) fs.ftruncateSync(this.fd, this.entries.length * ENTRY_SIZE);
  }

  get entryCount(): number {
    return this.entries.length;
  }

  get lastEntry(): IndexEntry | undefined {
    return this.entries.at(-1);
  }

  /** Adds an entry; offsets and positions must only grow. */
  append(offset: number, position: number): void {
    const last = this.entries.at(-1);
    if (last && (offset <= last.offset || position <= last.position)) {
      throw new Error(`index entries must grow: (${offset}, ${position}) after (${last.offset}, ${last.position})`);
    }
    const bytes = Buffer.alloc(ENTRY_SIZE);
    bytes.writeInt32BE(offset - this.baseOffset, 0);
    bytes.writeInt32BE(position, 4);
    fs.writeSync(this.fd, bytes, 0, ENTRY_SIZE, this.entries.length * ENTRY_SIZE);
    this.entries.push({ offset, position });
  }

  /**
   * The last entry whose offset is at or before `offset`: the batch holding `offset` starts there
   * or later. Before the first entry, that is the start of the segment.
   */
  lookup(offset: number): IndexEntry {
    let found: IndexEntry = { offset: this.baseOffset, position: 0 };
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.entries[middle]!;
      if (entry.offset <= offset) {
        found = entry; // a candidate; a later one may still be <= offset
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
    fs.ftruncateSync(this.fd, this.entries.length * ENTRY_SIZE);
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
