// The time index of one segment: "no record before offset O is as late as timestamp T".
//
// A consumer that asks "where do I start to replay everything since 9 o'clock?" gives a time,
// not an offset. Records carry timestamps, but scanning a log for one would read all of it. So,
// since Kafka 0.10.1 (KIP-33), each segment keeps a second sparse index beside its offset index,
// written at the same moments (every `index.interval.bytes`): the largest timestamp seen so far
// in the segment, and the offset of the first batch that carried it. An entry is added only when
// that largest timestamp has grown, so timestamps in the index only grow, even when the records'
// own timestamps go back and forth (producers' clocks differ).
//
// Because the entry names the FIRST batch that reached timestamp T, every batch before it is
// earlier than T. A look-up for time t finds the last entry with T <= t and the segment scans
// forward from its offset: nothing before it can be at or after t.
//
// On disk an entry is 12 bytes, as in Kafka's `.timeindex`: the timestamp (int64, ms since the
// epoch) and the offset relative to the segment's base offset (int32). The file, the binary
// search and the cutting back are the offset index's (abstract-index.ts).
import { AbstractIndex } from './abstract-index.ts';

export interface TimestampOffset {
  /** A timestamp, ms since the epoch. */
  timestamp: number;
  /** An absolute offset. */
  offset: number;
}

const ENTRY_SIZE = 12;

export class TimeIndex extends AbstractIndex<TimestampOffset> {
  /** Opens (or creates) the index file and loads the entries it holds. */
  constructor(file: string, baseOffset: number) {
    super(file, baseOffset, ENTRY_SIZE);
  }

  protected readEntry(bytes: Buffer, at: number): TimestampOffset {
    return { timestamp: Number(bytes.readBigInt64BE(at)), offset: this.baseOffset + bytes.readInt32BE(at + 8) };
  }

  protected entryBytes({ timestamp, offset }: TimestampOffset): Buffer {
    const bytes = Buffer.alloc(ENTRY_SIZE);
    bytes.writeBigInt64BE(BigInt(timestamp), 0);
    bytes.writeInt32BE(offset - this.baseOffset, 8);
    return bytes;
  }

  protected mayFollow(last: TimestampOffset | undefined, entry: TimestampOffset): boolean {
    return entry.offset >= this.baseOffset && (!last || (entry.timestamp > last.timestamp && entry.offset >= last.offset));
  }

  /** Adds an entry if `timestamp` is later than the last one (Kafka's maybeAppend); offsets never go back. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry;
    if (last && timestamp <= last.timestamp) return;
    if (last && offset < last.offset) throw new Error(`time index offsets must not go back: ${offset} after ${last.offset}`);
    this.appendEntry({ timestamp, offset });
  }

  /**
   * The last entry whose timestamp is at or before `timestamp`: no batch before its offset holds a
   * record that late. Before the first entry, that is the start of the segment (timestamp -1).
   */
  lookup(timestamp: number): TimestampOffset {
    return this.lastAtOrBefore((entry) => entry.timestamp, timestamp) ?? { timestamp: -1, offset: this.baseOffset };
  }
}
