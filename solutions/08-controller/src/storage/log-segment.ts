// A log segment: one slice of a partition's log, as two files named after the first offset
// they hold (Kafka's naming: the base offset zero-padded to 20 digits, so `ls` sorts them):
//
//   00000000000000000000.log     the record batches, one after the other, append-only
//   00000000000000000000.index   the sparse offset index into that file (offset-index.ts)
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
export function segmentFileName(baseOffset: number, extension: '.log' | '.index'): string {
  return `${String(baseOffset).padStart(20, '0')}${extension}`;
}

export class LogSegment {
  readonly logFile: string;
  private readonly fd: number;
  private readonly index: OffsetIndex;
  private readonly indexIntervalBytes: number;
  /** Bytes in the .log file that belong to the log. */
  private sizeInBytes: number;
  /** The offset the next batch appended here will get. */
  private next: number;
  private bytesSinceLastIndexEntry = 0;

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

    // Opening trusts the files, so that a broker with thousands of segments starts quickly: the
    // size is the file's size, and the next offset comes from scanning the few batches after the
    // last index entry. Checking every byte is recover()'s job, for the segment that needs it.
    if ((this.index.lastEntry?.position ?? 0) > this.sizeInBytes) this.index.reset();
    const start = this.index.lastEntry ?? { offset: baseOffset, position: 0 };
    let position = start.position;
    this.next = start.offset;
    for (let found = this.batchAt(position, this.sizeInBytes); found.kind === 'batch'; found = this.batchAt(position, this.sizeInBytes)) {
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

  /** When the .log file was last written, in ms since the epoch (retention by age uses it). */
  get lastModified(): number {
    return fs.fstatSync(this.fd).mtimeMs;
  }

  /** How many entries the offset index holds (tests and demos show it). */
  get indexEntries(): number {
    return this.index.entryCount;
  }

  /** Where the index says to start looking for `offset` (tests and the slides use it). */
  indexLookup(offset: number): { offset: number; position: number } {
    return this.index.lookup(offset);
  }

  /** Appends one encoded batch; its base offset must be this segment's next offset. */
  append(batch: Buffer): void {
    const { baseOffset, lastOffsetDelta } = readBatchHeader(batch);
    if (baseOffset !== this.next) {
      throw new Error(`segment ${path.basename(this.logFile)} expects a batch at offset ${this.next}, got one at offset ${baseOffset}`);
    }
    this.indexBatch(baseOffset, this.sizeInBytes, batch.length);
    writeFully(this.fd, batch, this.sizeInBytes);
    this.sizeInBytes += batch.length;
    this.next = baseOffset + lastOffsetDelta + 1;
  }

  /** Adds an index entry for the batch at `position` once indexIntervalBytes were written since the last one. */
  private indexBatch(baseOffset: number, position: number, batchSize: number): void {
    if (this.bytesSinceLastIndexEntry >= this.indexIntervalBytes) {
      this.index.append(baseOffset, position);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batchSize;
  }

  /**
   * The batches holding `offset` and the ones after it, up to about `maxBytes`. The first batch
   * is returned even when it alone is bigger than `maxBytes`, so a reader always makes progress.
   * It may start before `offset`: batches are never split, the reader skips what it did not ask for.
   */
  read(offset: number, maxBytes: number): RecordBatch[] {
    const batches: RecordBatch[] = [];
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
    return batches;
  }

  /**
   * Checks every batch from the start of the file, keeps the longest run of whole, valid,
   * consecutive batches, cuts off whatever follows and rebuilds the index. This is what Kafka's
   * LogSegment.recover does for a segment that was being written when the broker stopped.
   //> step 08 rewrites: a segment can be truncated, and recovery tells the epochs it keeps
   * `onBatch` sees each batch kept, in order (the log rebuilds its leader epochs from them).
   */
  recover(onBatch: (batch: RecordBatch) => void = () => {}): RecoveryResult {
  //<
    // The real size of the file, not what we believe: that is the whole point.
    const fileSize = fs.fstatSync(this.fd).size;
    this.index.reset();
    this.bytesSinceLastIndexEntry = 0;
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
      if (found.batch.baseOffset !== next) {
        reason = `expected a batch at offset ${next}, found one at offset ${found.batch.baseOffset}`;
        break;
      }
      this.indexBatch(next, position, found.size);
      //> step 08 given
      onBatch(found.batch);
      position += found.size;
      next = nextOffsetAfter(found.batch);
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
      if (nextOffsetAfter(found.batch) > offset) break; // this batch holds `offset` or comes after it
      position += found.size;
      next = nextOffsetAfter(found.batch);
    }
    const cut = this.sizeInBytes - position;
    if (cut === 0) return 0;
    fs.ftruncateSync(this.fd, position);
    this.index.truncateTo(next);
    this.sizeInBytes = position;
    this.next = next;
    this.bytesSinceLastIndexEntry = position - (this.index.lastEntry?.position ?? 0);
    return cut;
  }
  //<

  /** Forces the segment's files to disk (fsync): after this, a power cut cannot lose them. */
  flush(): void {
    fs.fsyncSync(this.fd);
    this.index.flush();
  }

  close(): void {
    fs.closeSync(this.fd);
    this.index.close();
  }

  /** Closes the segment and removes both of its files. */
  delete(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.logFile, { force: true });
    this.index.delete(); // closes the index too
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
