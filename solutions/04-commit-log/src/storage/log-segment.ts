// A log segment: one slice of a partition's log, as two files named after the first offset
// they hold (Kafka's naming: the base offset zero-padded to 20 digits, so `ls` sorts them):
//
//   00000000000000000000.log         the record batches, one after the other, append-only
//   00000000000000000000.index       the sparse offset index into that file (offset-index.ts)
//   00000000000000000000.timeindex   the sparse time index: timestamp to offset (time-index.ts)
//
// A partition's log is a list of segments; only the last one, the ACTIVE segment, is written
// to. Splitting the log into segments is what makes retention cheap (delete an old file instead
// of rewriting a big one) and recovery short (only the active segment can have a torn end).
//
// Files are read and written with synchronous calls. One partition's appends must happen one at
// a time anyway (offsets are given out in order), the operating system's page cache absorbs the
// writes, and sync calls keep that order obvious to the reader; Kafka's own I/O is blocking too.
import fs from 'node:fs';
import path from 'node:path';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex, type TimestampOffset } from './time-index.ts';
import { CorruptRecordError, LOG_OVERHEAD, nextOffsetAfter, readBatchAt, readBatchHeader, type BatchAt, type RecordBatch } from '../record/record-batch.ts';

export interface SegmentOptions {
  /** Bytes written between two index entries; Kafka's `index.interval.bytes`, default 4096. */
  indexIntervalBytes?: number;
}

/** What recover() found. */
export interface RecoveryResult {
  /** Whole, valid batches kept. */
  batches: number;
  /** Bytes kept: the new size of the .log file. */
  validBytes: number;
  /** Bytes cut off the end (0 when the segment was intact). */
  truncatedBytes: number;
  /** Why the scan stopped before the end of the file, or null. */
  reason: string | null;
}

/** `00000000000000000042.log` for base offset 42. */
export function segmentFileName(baseOffset: number, extension: '.log' | '.index' | '.timeindex'): string {
  return `${String(baseOffset).padStart(20, '0')}${extension}`;
}

export class LogSegment {
  readonly logFile: string;
  private readonly fd: number;
  private readonly index: OffsetIndex;
  private readonly timeIndex: TimeIndex;
  private readonly indexIntervalBytes: number;
  /** Bytes in the .log file that belong to the log. */
  private sizeInBytes: number;
  /** The offset the next batch appended here will get. */
  private next: number;
  private bytesSinceLastIndexEntry = 0;
  /** The largest timestamp in the segment so far (-1 while it has none), and the first batch that carried it. */
  private maxTimestampSoFar = -1;
  private offsetOfMaxTimestampSoFar: number;

  /** Opens the segment starting at `baseOffset` in `dir`, creating its files if they do not exist. */
  constructor(
    dir: string,
    readonly baseOffset: number,
    options: SegmentOptions = {},
  ) {
    this.indexIntervalBytes = options.indexIntervalBytes ?? 4096;
    this.logFile = path.join(dir, segmentFileName(baseOffset, '.log'));
    this.fd = fs.openSync(this.logFile, fs.existsSync(this.logFile) ? 'r+' : 'w+');
    this.sizeInBytes = fs.fstatSync(this.fd).size;
    this.index = new OffsetIndex(path.join(dir, segmentFileName(baseOffset, '.index')), baseOffset);
    const timeIndexFile = path.join(dir, segmentFileName(baseOffset, '.timeindex'));
    const timeIndexLost = this.sizeInBytes > 0 && !fs.existsSync(timeIndexFile);
    this.timeIndex = new TimeIndex(timeIndexFile, baseOffset);
    this.offsetOfMaxTimestampSoFar = baseOffset;
    this.next = baseOffset;

    // Opening trusts the files, so that a broker with thousands of segments starts quickly: the
    // size is the file's size, and the next offset and the largest timestamp come from the last
    // index entries and the few batches after them. Checking every byte is recover()'s job, for
    // the segment that needs it: the active one, and any whose time index is missing or damaged.
    if ((this.index.lastEntry?.position ?? 0) > this.sizeInBytes) this.index.reset();
    if (timeIndexLost || this.timeIndex.damaged) {
      this.recover();
      return;
    }
    this.loadTail();
  }

  /**
   * What the indexes do not say, from their last entries and the few batches after them: the
   * next offset, the bytes written since the last index entry, the largest timestamp so far.
   */
  private loadTail(): void {
    const start = this.index.lastEntry ?? { offset: this.baseOffset, position: 0 };
    const lastTime = this.timeIndex.lastEntry;
    this.maxTimestampSoFar = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestampSoFar = lastTime?.offset ?? this.baseOffset;
    let position = start.position;
    this.next = start.offset;
    for (let found = this.batchAt(position, this.sizeInBytes); found.kind === 'batch'; found = this.batchAt(position, this.sizeInBytes)) {
      this.trackTimestamp(found.batch.maxTimestamp, found.batch.baseOffset);
      this.next = nextOffsetAfter(found.batch);
      position += found.size;
    }
    this.bytesSinceLastIndexEntry = position - start.position;
  }

  /** Bytes in the segment's .log file. */
  get size(): number {
    return this.sizeInBytes;
  }

  /** The offset after the last record in this segment (its base offset while it is empty). */
  get nextOffset(): number {
    return this.next;
  }

  /**
   * The largest timestamp of any record in the segment, which retention by age compares with its
   * limit. A segment with no timestamps yet (an empty one) falls back on its file's time, as in Kafka.
   */
  get largestTimestamp(): number {
    return this.maxTimestampSoFar >= 0 ? this.maxTimestampSoFar : fs.fstatSync(this.fd).mtimeMs;
  }

  /** How many entries the offset index holds (tests and demos show it). */
  get indexEntries(): number {
    return this.index.entryCount;
  }

  /** How many entries the time index holds (tests and demos show it). */
  get timeIndexEntries(): number {
    return this.timeIndex.entryCount;
  }

  /** Where the time index says to start looking for `timestamp` (tests and the slides use it). */
  timeIndexLookup(timestamp: number): TimestampOffset {
    return this.timeIndex.lookup(timestamp);
  }

  /** Where the index says to start looking for `offset` (tests and the slides use it). */
  indexLookup(offset: number): { offset: number; position: number } {
    return this.index.lookup(offset);
  }

  /** Appends one encoded batch; its base offset must be this segment's next offset. */
  // #region append
  append(batch: Buffer): void {
    const { baseOffset, lastOffsetDelta, maxTimestamp } = readBatchHeader(batch);
    if (baseOffset !== this.next) {
      throw new Error(`segment ${path.basename(this.logFile)} expects a batch at offset ${this.next}, got one at offset ${baseOffset}`);
    }
    //> step 04 task 3: LogSegment.append — index the batch if it is due, write it at the end of the .log file, and move size and nextOffset on
    this.indexBatch(baseOffset, this.sizeInBytes, batch.length, maxTimestamp);
    writeFully(this.fd, batch, this.sizeInBytes);
    this.sizeInBytes += batch.length;
    this.next = baseOffset + lastOffsetDelta + 1;
    //<
  }
  // #endregion append

  // #region index-batch
  /**
   * Adds an entry to each index for the batch at `position` once indexIntervalBytes were written
   * since the last one: its offset and position to the offset index, and the largest timestamp so
   * far (this batch's included) with the first batch that carried it to the time index.
   */
  private indexBatch(baseOffset: number, position: number, batchSize: number, maxTimestamp: number): void {
    this.trackTimestamp(maxTimestamp, baseOffset);
    //> step 04 task 3: LogSegment.indexBatch — when at least indexIntervalBytes were written since the last entry, add one to the offset index and one to the time index (maxTimestampSoFar, offsetOfMaxTimestampSoFar); then count this batch's bytes
    if (this.bytesSinceLastIndexEntry >= this.indexIntervalBytes) {
      this.index.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batchSize;
    //<
  }
  // #endregion index-batch

  /** Keeps the largest timestamp so far and the FIRST batch that reached it (a tie does not move it). */
  private trackTimestamp(maxTimestamp: number, baseOffset: number): void {
    if (maxTimestamp <= this.maxTimestampSoFar) return;
    this.maxTimestampSoFar = maxTimestamp;
    this.offsetOfMaxTimestampSoFar = baseOffset;
  }

  /**
   * The batches holding `offset` and the ones after it, up to about `maxBytes`. The first batch
   * is returned even when it alone is bigger than `maxBytes`, so a reader always makes progress.
   * It may start before `offset`: batches are never split, the reader skips what it did not ask for.
   */
  // #region read
  read(offset: number, maxBytes: number): RecordBatch[] {
    const batches: RecordBatch[] = [];
    //> step 04 task 3: LogSegment.read — start at the index's position for offset, skip batches that end before it, collect batches until maxBytes
    let position = this.index.lookup(offset).position;
    let bytes = 0;
    while (position < this.sizeInBytes) {
      const found = this.batchAt(position, this.sizeInBytes);
      if (found.kind !== 'batch') {
        throw new CorruptRecordError(`${path.basename(this.logFile)} at position ${position}: ${found.kind === 'end' ? 'unexpected end' : found.reason}`);
      }
      if (nextOffsetAfter(found.batch) > offset) {
        if (batches.length > 0 && bytes + found.size > maxBytes) break;
        batches.push(found.batch);
        bytes += found.size;
      }
      position += found.size;
    }
    //<
    return batches;
  }
  // #endregion read

  /**
   * The first record whose timestamp is at or after `timestamp`, with its offset, or null when the
   * segment holds none that late (Kafka's LogSegment.findOffsetByTimestamp). The time index says
   * where no earlier batch can hold one; the offset index turns that offset into a position.
   */
  // #region find-by-timestamp
  findOffsetByTimestamp(timestamp: number): TimestampOffset | null {
    //> step 04 task 4: LogSegment.findOffsetByTimestamp — start at the offset the time index gives, through the offset index to a position; scan batches, and in the first whose maxTimestamp is late enough, the first record at or after timestamp
    let position = this.index.lookup(this.timeIndex.lookup(timestamp).offset).position;
    while (position < this.sizeInBytes) {
      const found = this.batchAt(position, this.sizeInBytes);
      if (found.kind !== 'batch') throw new CorruptRecordError(`${path.basename(this.logFile)} at position ${position}: ${found.kind === 'end' ? 'unexpected end' : found.reason}`);
      // maxTimestamp, in the batch header, says whether any record inside is late enough.
      const index = found.batch.maxTimestamp >= timestamp ? found.batch.records.findIndex((record) => record.timestamp >= timestamp) : -1;
      if (index >= 0) return { timestamp: found.batch.records[index]!.timestamp, offset: found.batch.baseOffset + index };
      position += found.size;
    }
    return null;
    //<
  }
  // #endregion find-by-timestamp

  /**
   * Checks every batch from the start of the file, keeps the longest run of whole, valid,
   * consecutive batches, cuts off whatever follows and rebuilds the index. This is what Kafka's
   * LogSegment.recover does for a segment that was being written when the broker stopped.
   */
  recover(): RecoveryResult {
    //> step 04 task 5: LogSegment.recover — scan batches from position 0, stop at the first torn, corrupt or out-of-order one, truncate the file there and rebuild the index
    // The real size of the file, not what we believe: that is the whole point.
    const fileSize = fs.fstatSync(this.fd).size;
    this.resetIndexes();
    let position = 0;
    let next = this.baseOffset;
    let batches = 0;
    let reason: string | null = null;
    // #region recover
    for (;;) {
      const found = this.batchAt(position, fileSize);
      if (found.kind === 'end') break;
      if (found.kind !== 'batch') {
        reason = found.reason;
        break;
      }
      // The CRC does not cover the base offset, so check it against the previous batch: a
      // batch that does not continue the log exactly is as wrong as one with a bad checksum.
      if (found.batch.baseOffset !== next) {
        reason = `expected a batch at offset ${next}, found one at offset ${found.batch.baseOffset}`;
        break;
      }
      this.indexBatch(next, position, found.size, found.batch.maxTimestamp);
      position += found.size;
      next = nextOffsetAfter(found.batch);
      batches++;
    }
    if (position < fileSize) fs.ftruncateSync(this.fd, position);
    // #endregion recover
    this.sizeInBytes = position;
    this.next = next;
    return { batches, validBytes: position, truncatedBytes: fileSize - position, reason };
    //<
  }

  /** Empties both indexes and forgets the timestamps seen: recovery indexes every batch again. */
  private resetIndexes(): void {
    this.index.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = -1;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
  }

  /** Forces the segment's files to disk (fsync): after this, a power cut cannot lose them. */
  flush(): void {
    fs.fsyncSync(this.fd);
    this.index.flush();
    this.timeIndex.flush();
  }

  close(): void {
    fs.closeSync(this.fd);
    this.index.close();
    this.timeIndex.close();
  }

  /** Closes the segment and removes its three files. */
  delete(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.logFile, { force: true });
    this.index.delete(); // each index closes itself too
    this.timeIndex.delete();
  }

  /** Reads the batch at `position` from the file, never past `end`, and says what it found. */
  private batchAt(position: number, end: number): BatchAt {
    const header = readAt(this.fd, position, Math.min(LOG_OVERHEAD, end - position));
    if (header.length < LOG_OVERHEAD) return readBatchAt(header, 0);
    // Read as much as the batch claims to need, but never more than the file holds: a garbage
    // length must not make us allocate gigabytes.
    const claimed = LOG_OVERHEAD + Math.max(0, header.readInt32BE(8));
    return readBatchAt(readAt(this.fd, position, Math.min(claimed, end - position)), 0);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, length));
  let done = 0;
  while (done < buffer.length) {
    const read = fs.readSync(fd, buffer, done, buffer.length - done, position + done);
    if (read === 0) break; // end of file
    done += read;
  }
  return buffer.subarray(0, done);
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}
