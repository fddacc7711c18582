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
import { BATCH_HEADER_SIZE, checkBatchAt, CorruptRecordError, decodeBatch, decodeBatches, LOG_OVERHEAD, nextOffsetAfter, readBatchHeader, recordsFrom, type BatchCheck, type BatchHeader, type RecordBatch } from '../record/record-batch.ts';

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
      this.trackTimestamp(found.header.maxTimestamp, found.header.baseOffset);
      this.next = nextOffsetAfter(found.header);
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

  /**
   * Appends one or more whole, checked batches, one after the other, in one write (a producer's
   * record set, a follower's copy, a batch the log encoded). The first must start at this
   * segment's next offset and each one where the previous ends. Returns their headers.
   */
  append(recordSet: Buffer): BatchHeader[] {
    // Walk the headers first: a record set that does not continue the segment writes nothing.
    const headers: BatchHeader[] = [];
    let next = this.next;
    let position = 0;
    while (position < recordSet.length) {
      const header = readBatchHeader(recordSet, position);
      if (header.baseOffset !== next) {
        throw new Error(`segment ${path.basename(this.logFile)} expects a batch at offset ${next}, got one at offset ${header.baseOffset}`);
      }
      headers.push(header);
      next = nextOffsetAfter(header);
      position += LOG_OVERHEAD + header.batchLength;
    }
    // Each batch may earn an index entry, at the position it gets in the file.
    let filePosition = this.sizeInBytes;
    for (const header of headers) {
      this.indexBatch(header.baseOffset, filePosition, LOG_OVERHEAD + header.batchLength, header.maxTimestamp);
      filePosition += LOG_OVERHEAD + header.batchLength;
    }
    writeFully(this.fd, recordSet, this.sizeInBytes);
    this.sizeInBytes += recordSet.length;
    this.next = next;
    return headers;
  }

  /**
   * Adds an entry to each index for the batch at `position` once indexIntervalBytes were written
   * since the last one: its offset and position to the offset index, and the largest timestamp so
   * far (this batch's included) with the first batch that carried it to the time index.
   */
  private indexBatch(baseOffset: number, position: number, batchSize: number, maxTimestamp: number): void {
    this.trackTimestamp(maxTimestamp, baseOffset);
    if (this.bytesSinceLastIndexEntry >= this.indexIntervalBytes) {
      this.index.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batchSize;
  }

  /** Keeps the largest timestamp so far and the FIRST batch that reached it (a tie does not move it). */
  private trackTimestamp(maxTimestamp: number, baseOffset: number): void {
    if (maxTimestamp <= this.maxTimestampSoFar) return;
    this.maxTimestampSoFar = maxTimestamp;
    this.offsetOfMaxTimestampSoFar = baseOffset;
  }

  /**
   * The stored bytes of the batch holding `offset` and of the whole batches after it, up to
   * `maxBytes`, stopping before the first batch that starts at or after `endOffset`. The first
   * batch is returned whole even when it alone is bigger than `maxBytes`, so a reader always
   * makes progress (Kafka's KIP-74). It may start before `offset`: batches are never split, the
   * reader skips the records it did not ask for. Only the batch headers are read to find the
   * range, then the range is read in one go: the records are never decoded.
   */
  readBytes(offset: number, maxBytes: number, endOffset: number): Buffer {
    throw new Error('TODO(step 09, task 4): LogSegment.readBytes — the stored bytes of whole batches, found by their headers');
  }

  /** The batches readBytes returns, decoded (with no end offset: up to the segment's end). */
  read(offset: number, maxBytes: number): RecordBatch[] {
    return decodeBatches(this.readBytes(offset, maxBytes, Infinity));
  }

  /** The header of the batch at `position`, which must lie whole inside the segment. */
  private headerAt(position: number): BatchHeader {
    const bytes = readAt(this.fd, position, Math.min(BATCH_HEADER_SIZE, this.sizeInBytes - position));
    const header = bytes.length === BATCH_HEADER_SIZE ? readBatchHeader(bytes) : null;
    if (header === null || header.batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD || position + LOG_OVERHEAD + header.batchLength > this.sizeInBytes) {
      throw new CorruptRecordError(`${path.basename(this.logFile)} has no whole batch at position ${position}`);
    }
    return header;
  }

  /**
   * The first record whose timestamp is at or after `timestamp`, with its offset, or null when the
   * segment holds none that late (Kafka's LogSegment.findOffsetByTimestamp). The time index says
   * where no earlier batch can hold one; the offset index turns that offset into a position.
   */
  findOffsetByTimestamp(timestamp: number): TimestampOffset | null {
    let position = this.index.lookup(this.timeIndex.lookup(timestamp).offset).position;
    while (position < this.sizeInBytes) {
      const header = this.headerAt(position);
      const size = LOG_OVERHEAD + header.batchLength;
      // The header's maxTimestamp says whether any record inside is late enough: only such a batch is decoded.
      if (header.maxTimestamp >= timestamp) {
        const record = recordsFrom([decodeBatch(readAt(this.fd, position, size))]).find((candidate) => candidate.timestamp >= timestamp);
        if (record) return { timestamp: record.timestamp, offset: record.offset };
      }
      position += size;
    }
    return null;
  }

  /**
   * Checks every batch from the start of the file, keeps the longest run of whole, valid,
   * consecutive batches, cuts off whatever follows and rebuilds the index. This is what Kafka's
   * LogSegment.recover does for a segment that was being written when the broker stopped.
   * `onBatch` sees each batch kept, in order (the log rebuilds its leader epochs from them). As in
   * Kafka, the checksum and the header are checked, not the records: they are not decoded.
   */
  recover(onBatch: (batch: BatchHeader) => void = () => {}): RecoveryResult {
    // The real size of the file, not what we believe: that is the whole point.
    const fileSize = fs.fstatSync(this.fd).size;
    this.resetIndexes();
    let position = 0;
    let next = this.baseOffset;
    let batches = 0;
    let reason: string | null = null;
    for (;;) {
      const found = this.batchAt(position, fileSize);
      if (found.kind === 'end') break;
      if (found.kind !== 'batch') {
        reason = found.reason;
        break;
      }
      // The CRC does not cover the base offset, so check it against the previous batch: a
      // batch that does not continue the log exactly is as wrong as one with a bad checksum.
      if (found.header.baseOffset !== next) {
        reason = `expected a batch at offset ${next}, found one at offset ${found.header.baseOffset}`;
        break;
      }
      this.indexBatch(next, position, found.size, found.header.maxTimestamp);
      onBatch(found.header);
      position += found.size;
      next = nextOffsetAfter(found.header);
      batches++;
    }
    if (position < fileSize) fs.ftruncateSync(this.fd, position);
    this.sizeInBytes = position;
    this.next = next;
    return { batches, validBytes: position, truncatedBytes: fileSize - position, reason };
  }

  /**
   * Cuts the segment back so that its last record is the one before `offset`: a follower drops
   * what its leader never had. Batches are never split, so an offset in the middle of a batch
   * cuts before that whole batch (Kafka's LogSegment.truncateTo does the same); the segment's
   * next offset then ends up below `offset`. Returns how many bytes were cut.
   */
  truncateTo(offset: number): number {
    // Start from the index entry at or before `offset`: it is a batch boundary, as every entry is.
    const start = this.index.lookup(offset);
    let position = start.position;
    let next = start.offset;
    for (let found = this.batchAt(position, this.sizeInBytes); found.kind === 'batch'; found = this.batchAt(position, this.sizeInBytes)) {
      if (nextOffsetAfter(found.header) > offset) break; // this batch holds `offset` or comes after it
      position += found.size;
      next = nextOffsetAfter(found.header);
    }
    const cut = this.sizeInBytes - position;
    if (cut === 0) return 0;
    fs.ftruncateSync(this.fd, position);
    this.index.truncateTo(next);
    this.timeIndex.truncateTo(next);
    this.sizeInBytes = position;
    // The next offset, and the largest timestamp, which may have been cut off with the records.
    this.loadTail();
    return cut;
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

  /** Reads the batch at `position` from the file, never past `end`, and checks it (header and checksum). */
  private batchAt(position: number, end: number): BatchCheck {
    const header = readAt(this.fd, position, Math.min(LOG_OVERHEAD, end - position));
    if (header.length < LOG_OVERHEAD) return checkBatchAt(header, 0);
    // Read as much as the batch claims to need, but never more than the file holds: a garbage
    // length must not make us allocate gigabytes.
    const claimed = LOG_OVERHEAD + Math.max(0, header.readInt32BE(8));
    return checkBatchAt(readAt(this.fd, position, Math.min(claimed, end - position)), 0);
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
