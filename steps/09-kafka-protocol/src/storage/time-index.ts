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
// epoch) and the offset relative to the segment's base offset (int32).
import fs from 'node:fs';

export interface TimestampOffset {
  /** A timestamp, ms since the epoch. */
  timestamp: number;
  /** An absolute offset. */
  offset: number;
}

const ENTRY_SIZE = 12;

export class TimeIndex {
  private entries: TimestampOffset[] = [];
  private fd: number;
  /** True when the file held entries out of order or a torn one: the segment rebuilds its indexes. */
  readonly damaged: boolean;

  /** Opens (or creates) the index file and loads the entries it holds. */
  constructor(
    readonly file: string,
    readonly baseOffset: number,
  ) {
    this.fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    const bytes = fs.readFileSync(file);
    for (let at = 0; at + ENTRY_SIZE <= bytes.length; at += ENTRY_SIZE) {
      const entry = { timestamp: Number(bytes.readBigInt64BE(at)), offset: baseOffset + bytes.readInt32BE(at + 8) };
      const last = this.entries.at(-1);
      if (entry.offset < baseOffset || (last && (entry.timestamp <= last.timestamp || entry.offset < last.offset))) break;
      this.entries.push(entry);
    }
    this.damaged = this.entries.length * ENTRY_SIZE !== bytes.length;
    if (this.damaged) fs.ftruncateSync(this.fd, this.entries.length * ENTRY_SIZE);
  }

  get entryCount(): number {
    return this.entries.length;
  }

  get lastEntry(): TimestampOffset | undefined {
    return this.entries.at(-1);
  }

  /** Adds an entry if `timestamp` is later than the last one (Kafka's maybeAppend); offsets never go back. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.entries.at(-1);
    if (last && timestamp <= last.timestamp) return;
    if (last && offset < last.offset) throw new Error(`time index offsets must not go back: ${offset} after ${last.offset}`);
    const bytes = Buffer.alloc(ENTRY_SIZE);
    bytes.writeBigInt64BE(BigInt(timestamp), 0);
    bytes.writeInt32BE(offset - this.baseOffset, 8);
    fs.writeSync(this.fd, bytes, 0, ENTRY_SIZE, this.entries.length * ENTRY_SIZE);
    this.entries.push({ timestamp, offset });
  }

  /**
   * The last entry whose timestamp is at or before `timestamp`: no batch before its offset holds a
   * record that late. Before the first entry, that is the start of the segment. The binary search
   * of OffsetIndex.lookup, on the other column (Kafka's indexes share it in AbstractIndex).
   */
  lookup(timestamp: number): TimestampOffset {
    let found: TimestampOffset = { timestamp: -1, offset: this.baseOffset };
    let low = 0;
    let high = this.entries.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.entries[middle]!;
      if (entry.timestamp <= timestamp) {
        found = entry;
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
