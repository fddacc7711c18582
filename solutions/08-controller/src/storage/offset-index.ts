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
// which is what makes binary search work (abstract-index.ts, shared with the time index).
import { AbstractIndex } from './abstract-index.ts';

export interface IndexEntry {
  /** An absolute offset: the base offset of a batch. */
  offset: number;
  /** Where that batch starts in the segment's .log file. */
  position: number;
}

const ENTRY_SIZE = 8;

export class OffsetIndex extends AbstractIndex<IndexEntry> {
  /** Opens (or creates) the index file and loads the entries it holds. */
  constructor(file: string, baseOffset: number) {
    super(file, baseOffset, ENTRY_SIZE);
  }

  protected readEntry(bytes: Buffer, at: number): IndexEntry {
    return { offset: this.baseOffset + bytes.readInt32BE(at), position: bytes.readInt32BE(at + 4) };
  }

  protected entryBytes({ offset, position }: IndexEntry): Buffer {
    const bytes = Buffer.alloc(ENTRY_SIZE);
    bytes.writeInt32BE(offset - this.baseOffset, 0);
    bytes.writeInt32BE(position, 4);
    return bytes;
  }

  protected mayFollow(last: IndexEntry | undefined, entry: IndexEntry): boolean {
    return !last || (entry.offset > last.offset && entry.position > last.position);
  }

  /** Adds an entry; offsets and positions must only grow. */
  append(offset: number, position: number): void {
    const last = this.lastEntry;
    if (!this.mayFollow(last, { offset, position })) throw new Error(`index entries must grow: (${offset}, ${position}) after (${last!.offset}, ${last!.position})`);
    this.appendEntry({ offset, position });
  }

  /**
   * The last entry whose offset is at or before `offset`: the batch holding `offset` starts there
   * or later. Before the first entry, that is the start of the segment.
   */
  lookup(offset: number): IndexEntry {
    return this.lastAtOrBefore((entry) => entry.offset, offset) ?? { offset: this.baseOffset, position: 0 };
  }
}
