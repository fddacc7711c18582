// The log of one partition: Kafka's UnifiedLog (called Log before Kafka 3.0).
//
// It lives in its own directory, `dataDir/<topic>-<partition>/`, as a list of segments ordered by
// base offset. Appends go to the last, active segment and get the next offsets; when the active
// segment is full a new one is rolled. Reads find the segment holding an offset, or the first
// record of a time (each segment's time index). Retention deletes whole segments from the old
// end. The log end offset (the next offset to give out) and the log start offset (the first one
// still kept) are all a reader needs to know what exists.
//
// From step 08 the log also knows which leader wrote what: every batch carries the epoch of the
// leader that appended it, and the log keeps the first offset of each epoch in its leader epoch
// cache (leader-epoch-cache.ts). A follower that comes back after a leader change uses it to
// cut off, with truncateTo, whatever the new leader never had.
//> step 09 given
//
// From step 09 batches travel as bytes: a producer's record set is checked and appended as it
// came, stamped only with its offsets and the leader's epoch (appendBatches), and a fetch gets
// the stored bytes back without a record being decoded (readBytes).
import fs from 'node:fs';
import path from 'node:path';
import { KafkaError, OffsetOutOfRangeError } from '../common/errors.ts';
import { LeaderEpochCache, type EpochEndOffset } from './leader-epoch-cache.ts';
import { LogSegment } from './log-segment.ts';
import type { AppendInfo } from './log-append-info.ts';
import type { TimestampOffset } from './time-index.ts';
import { decodeBatches, encodeBatch, recordsFrom, stampBatch, type LogRecord, type RecordBatch, type RecordWithOffset } from '../record/record-batch.ts';
import { validateBatches } from '../record/batch-validator.ts';
//<
import { validateTopicName } from '../common/topic-name.ts';
import { LOG_DEFAULTS, type LogOptions } from './log-config.ts';

export class Log {
  /** Ordered by base offset; the last one is the active segment. Never empty. */
  private readonly segments: LogSegment[];
  /** The first offset of each leader epoch in this log, kept in `leader-epoch-checkpoint`. */
  readonly leaderEpochCache: LeaderEpochCache;
  private readonly segmentBytes: number;
  private readonly indexIntervalBytes: number;
  private readonly retentionBytes: number;
  private readonly retentionMs: number;
  private readonly flushMessages: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly say: (line: string) => void;
  private unflushed = 0;
  private lastFlush: number;
  private closed = false;

  /** Opens the log of `topic` partition `partition` under `dataDir`, creating or recovering it. */
  static open(dataDir: string, topic: string, partition: number, options: LogOptions = {}): Log {
    // The name becomes a directory: check it before it touches the filesystem.
    validateTopicName(topic);
    if (!Number.isInteger(partition) || partition < 0) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `partition must be a whole number from 0 up, got ${partition}`);
    }
    const root = path.resolve(dataDir);
    const dir = path.join(root, `${topic}-${partition}`);
    // validateTopicName already rules out escaping dataDir; this says so in code, in case it ever changes.
    if (path.dirname(dir) !== root) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `"${topic}" would be stored outside ${root}`);
    fs.mkdirSync(dir, { recursive: true });
    return new Log(dir, options);
  }

  private constructor(
    readonly dir: string,
    options: LogOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? LOG_DEFAULTS.segmentBytes;
    this.indexIntervalBytes = options.indexIntervalBytes ?? LOG_DEFAULTS.indexIntervalBytes;
    this.retentionBytes = options.retentionBytes ?? LOG_DEFAULTS.retentionBytes;
    this.retentionMs = options.retentionMs ?? LOG_DEFAULTS.retentionMs;
    this.flushMessages = options.flushMessages ?? LOG_DEFAULTS.flushMessages;
    this.flushMs = options.flushMs ?? LOG_DEFAULTS.flushMs;
    this.now = options.now ?? Date.now;
    this.say = options.log ?? (() => {});
    // Positions in a segment and its index are int32: a segment cannot pass 2 GiB.
    if (!Number.isInteger(this.segmentBytes) || this.segmentBytes < 1 || this.segmentBytes > 2 ** 31 - 1) {
      throw new RangeError(`segmentBytes must be a whole number from 1 to ${2 ** 31 - 1}, got ${this.segmentBytes}`);
    }
    this.lastFlush = this.now();

    const baseOffsets = fs
      .readdirSync(dir)
      .filter((name) => /^\d{20}\.log$/.test(name))
      .map((name) => Number(name.slice(0, 20)))
      .sort((a, b) => a - b);
    if (baseOffsets.length === 0) baseOffsets.push(0);
    this.segments = baseOffsets.map((baseOffset) => this.openSegment(baseOffset));
    this.leaderEpochCache = new LeaderEpochCache(dir);

    // Only the last segment can have a torn end: older segments were complete and fsynced when
    // the log rolled past them (see roll()), and nothing writes to them since. So a restart
    // checks one segment, not the whole log, however long the log is. The batches it keeps
    // may start an epoch the checkpoint missed (a crash between the append and the checkpoint):
    // recovery assigns them, as Kafka's does.
    const result = this.active.recover((batch) => this.leaderEpochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset));
    if (result.truncatedBytes > 0) {
      this.say(
        `Recovered ${path.basename(this.active.logFile)}: kept ${result.batches} batches (log end offset ${this.logEndOffset}), ` +
          `cut ${result.truncatedBytes} bytes (${result.reason})`,
      );
    }
    // Nor may the checkpoint claim epochs for offsets that recovery cut off, or that retention deleted.
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
    this.leaderEpochCache.truncateFromStart(this.logStartOffset);
  }

  private openSegment(baseOffset: number): LogSegment {
    return new LogSegment(this.dir, baseOffset, { indexIntervalBytes: this.indexIntervalBytes });
  }

  private get active(): LogSegment {
    return this.segments.at(-1)!;
  }

  /** The offset the next record will get. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** The first offset still in the log (it grows when retention deletes segments). */
  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  /** Bytes in all segments. */
  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  /** The segments' base offsets, oldest first (tests and demos show them). */
  get segmentBaseOffsets(): number[] {
    return this.segments.map((segment) => segment.baseOffset);
  }

  /**
   * Appends `records` as one batch with the next offsets and returns the first (the base offset).
   * The batch is stamped with `leaderEpoch`, the epoch of the leader appending it; the first batch
   * of a new epoch starts that epoch in the leader epoch cache.
   */
  append(records: LogRecord[], leaderEpoch = 0): number {
    //> step 09 rewrites: producers' batches are appended as bytes and fetches read stored bytes
    this.checkOpen();
    // The log, not the producer, gives out offsets: the next one is always the log end offset.
    const baseOffset = this.logEndOffset;
    this.appendToActive(encodeBatch(baseOffset, records, leaderEpoch));
    return baseOffset;
  }

  /**
   * The leader's append of a record set a producer sent, as bytes: one or more batches, checked
   * (validateBatches) before anything is written, so a bad batch leaves the log as it was. Each
   * batch is then stamped IN PLACE, in `recordSet` itself, with its offsets, from the log end
   * offset on, and with `leaderEpoch`; the checksum does not cover those fields, so the batches
   * are written exactly as the producer encoded them otherwise. Returns where the records went.
   */
  appendBatches(recordSet: Buffer, leaderEpoch: number): AppendInfo {
    this.checkOpen();
  //<
    //> step 09 task 3: Log.appendBatches — validate, stamp offsets and epoch in place, append the bytes
    const batches = validateBatches(recordSet);
    const baseOffset = this.logEndOffset;
    let next = baseOffset;
    for (const batch of batches) {
      stampBatch(recordSet, batch.position, next, leaderEpoch);
      next += batch.recordCount;
    }
    this.appendToActive(recordSet);
    return { baseOffset, lastOffset: next - 1, records: next - baseOffset };
    //<
  //> step 09 rewrites
  }

  /**
   * Appends batches a follower copied from its leader, byte for byte: the leader gave out their
   * offsets, so they must start exactly at this log's end and follow each other, and their
   * checksums must hold. They keep the epochs their leader stamped in them, and a newer epoch
   * starts in this log's cache too: a follower's epochs are its leader's. An empty record set
   * (nothing new on the leader) appends nothing. Returns the first batch's base offset.
   */
  appendAsFollower(recordSet: Buffer): number {
    this.checkOpen();
    if (recordSet.length === 0) return this.logEndOffset;
    const batches = validateBatches(recordSet);
    let next = this.logEndOffset;
    for (const batch of batches) {
      if (batch.baseOffset !== next) {
        throw new KafkaError('OFFSET_OUT_OF_RANGE', `a copied batch starts at offset ${batch.baseOffset} but ${batch === batches[0] ? 'this log ends' : 'the batch before it ends'} at ${next}`);
      }
      next += batch.recordCount;
    }
    this.appendToActive(recordSet);
    return batches[0]!.baseOffset;
  }

  /**
   * What every append ends with: whole, checked batches that continue the log exactly go to the
   * active segment (rolled first if they would take it past segmentBytes; a record set always
   * goes into one segment), each batch of a new epoch starts it in the leader epoch cache, and
   * the flush policy counts their records.
   */
  private appendToActive(recordSet: Buffer): void {
    // An empty segment takes any batch, so a batch bigger than segmentBytes still has a home.
    if (this.active.size > 0 && this.active.size + recordSet.length > this.segmentBytes) this.roll();
    const headers = this.active.append(recordSet);
    for (const header of headers) {
      this.leaderEpochCache.assign(header.partitionLeaderEpoch, header.baseOffset);
      this.unflushed += header.recordCount;
    }
    this.flushIfDue();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`the log in ${this.dir} is closed`);
  }
  //<

  /** The epoch of the last leader this log knows of, UNDEFINED_EPOCH (-1) for a log that has none. */
  get latestEpoch(): number {
    return this.leaderEpochCache.latestEpoch;
  }

  /**
   * Where `leaderEpoch` ends in this log (Kafka's endOffsetForEpoch): the first offset of the next
   * higher epoch, or the log end offset for the latest. What a leader answers OffsetsForLeaderEpoch
   * with; see LeaderEpochCache.endOffsetFor.
   */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset {
    return this.leaderEpochCache.endOffsetFor(leaderEpoch, this.logEndOffset);
  }

  /**
   * A replica that becomes leader starts its epoch at its log end offset, before it writes
   * anything (Kafka's maybeAssignEpochStartOffset): a follower asking where the previous epoch ends
   * is then told "here", even if this leader has not written a record yet.
   */
  assignEpochStartOffset(leaderEpoch: number, startOffset: number): void {
    this.leaderEpochCache.assign(leaderEpoch, startOffset);
  }

  /**
   * Removes every record at `offset` and after (Kafka's Log.truncateTo): what a follower does with
   * records its new leader never had. Segments that start at or after `offset` are deleted, the
   * one holding it is cut, its index with it, and epochs that started in the removed part are
   * forgotten. Batches are never split: an offset in the middle of a batch removes that whole
   * batch, so the log may end below `offset` (OffsetsForLeaderEpoch answers batch boundaries, so
   * in practice it ends exactly there). An offset at or past the end removes no record. Returns
   * whether any record was removed.
   */
  truncateTo(offset: number): boolean {
    //> step 09 rewrites
    this.checkOpen();
    //<
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`cannot truncate ${this.dir} to offset ${offset}`);
    if (offset >= this.logEndOffset) {
      // No record to remove, but maybe an epoch: a replica that became leader started its epoch
      // at its log end, then lost the leadership before writing anything. That epoch has no
      // record here and must go, or this replica would keep asking the new leader about it.
      this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
      return false;
    }
    const before = this.logEndOffset;
    if (offset < this.logStartOffset) {
      // Nothing below `offset` is left: the log starts again, empty, at `offset` (Kafka's truncateFullyAndStartAt).
      for (const segment of this.segments.splice(0)) segment.delete();
      this.segments.push(this.openSegment(offset));
      this.leaderEpochCache.clear();
    } else {
      // Newest first, so that the segments left are always a whole log.
      while (this.segments.length > 1 && this.active.baseOffset >= offset) this.segments.pop()!.delete();
      this.active.truncateTo(offset);
      this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
    }
    const midBatch = this.logEndOffset < offset ? ` (offset ${offset} was inside a batch, which went whole)` : '';
    this.say(`Truncated to offset ${this.logEndOffset}, removing offsets ${this.logEndOffset} to ${before - 1}${midBatch}`);
    return true;
  }

  /** Starts a new active segment at the log end offset. */
  private roll(): void {
    // fsync the segment we leave behind: from now on nothing writes to it, and recovery will
    // never look at it again, so its bytes must really be on disk.
    this.active.flush();
    this.segments.push(this.openSegment(this.logEndOffset));
    this.say(`Rolled a new segment ${path.basename(this.active.logFile)}`);
  }

  //> step 09 rewrites
  /**
   * The stored bytes of whole batches from the one holding `offset` (it may start before
   * `offset`: the reader skips the records below it, as Kafka's clients do), about `maxBytes` of
   * them but always the first batch whole, however big (Kafka's KIP-74: a consumer is never stuck
   * behind a batch larger than its limit), and only batches that start below `endOffset` (a
   * consumer reads below the high watermark, which falls between batches). What a fetch sends,
   * found through the offset index and the batch headers: the records are never decoded.
   * `offset` equal to the log end offset gives an empty buffer; outside the log,
   * OffsetOutOfRangeError. A read stays within one segment, as Kafka's does: the next read
   * continues in the next one.
   */
  readBytes(offset: number, maxBytes: number, endOffset = this.logEndOffset): Buffer {
    this.checkOpen();
    if (!Number.isInteger(offset) || offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(`offset ${offset} is not in the log, which holds offsets ${this.logStartOffset} to ${this.logEndOffset - 1}`);
    }
    if (offset >= endOffset) return Buffer.alloc(0);
    // A few segments per partition: a linear search is fine (Kafka keeps them in a sorted map).
    const segment = this.segments.findLast((candidate) => candidate.baseOffset <= offset)!;
    return segment.readBytes(offset, maxBytes, endOffset);
  }

  /**
   * The batches from `offset` on, decoded: readBytes' batches, for the broker's own use (a
   * restarted broker replaying a log, the coordinator reading its offsets). The first batch may
   * start before `offset`.
   */
  read(offset: number, maxBytes = 1024 * 1024): RecordBatch[] {
    return decodeBatches(this.readBytes(offset, maxBytes));
  }
  //<

  /** Every record from `offset` to the end, in order (replaying a whole log, as a restarted broker does). */
  readRecords(offset = this.logStartOffset): RecordWithOffset[] {
    const records: RecordWithOffset[] = [];
    let next = offset;
    while (next < this.logEndOffset) {
      const read = recordsFrom(this.read(next), next);
      if (read.length === 0) break;
      records.push(...read);
      next = read.at(-1)!.offset + 1;
    }
    return records;
  }

  /**
   * The first record whose timestamp is at or after `timestamp`, with its offset, or null when no
   * record is that late (Kafka's fetchOffsetByTimestamp: how a consumer starts reading at a time).
   */
  offsetForTimestamp(timestamp: number): TimestampOffset | null {
    if (this.closed) throw new Error(`the log in ${this.dir} is closed`);
    // Segments are in offset order, not time order, but a segment whose newest record is earlier
    // than `timestamp` cannot hold the answer, and the first one whose newest record is not must.
    const segment = this.segments.find((candidate) => candidate.largestTimestamp >= timestamp);
    return segment?.findOffsetByTimestamp(timestamp) ?? null;
  }

  /**
   * Applies retention: deletes the oldest segments that are older than retentionMs, then the
   * oldest ones while the log without them is still at least retentionBytes. A limit of -1 means
   * none (the default for retentionBytes), so each is checked only when it is 0 or more. Whole
   * segments only, oldest first, and never the active one. Returns how many were deleted.
   */
  deleteOldSegments(): number {
    let deleted = 0;
    const now = this.now();
    // A segment's age is its newest record's, not its file's: a replica that copied an old log
    // yesterday has new files full of old records, and they must expire with the leader's.
    const expired = (segment: LogSegment) => this.retentionMs >= 0 && now - segment.largestTimestamp > this.retentionMs;
    const oversized = (segment: LogSegment) => this.retentionBytes >= 0 && this.size - segment.size >= this.retentionBytes;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const why = expired(oldest) ? `its newest record is over ${this.retentionMs} ms old` : oversized(oldest) ? `the log is over ${this.retentionBytes} bytes without it` : null;
      if (why === null) break;
      this.segments.shift();
      oldest.delete();
      deleted++;
      this.say(`Deleted segment ${path.basename(oldest.logFile)} (offsets ${oldest.baseOffset} to ${oldest.nextOffset - 1}): ${why}`);
    }
    if (deleted > 0) this.leaderEpochCache.truncateFromStart(this.logStartOffset);
    return deleted;
  }

  /** Kafka's flush.messages and flush.ms: fsync when enough messages or time have piled up. */
  private flushIfDue(): void {
    if (this.unflushed >= this.flushMessages || this.now() - this.lastFlush >= this.flushMs) this.flush();
  }

  /** Messages appended since the last fsync. */
  get unflushedMessages(): number {
    return this.unflushed;
  }

  /** Forces the active segment to disk. */
  flush(): void {
    this.active.flush();
    this.unflushed = 0;
    this.lastFlush = this.now();
  }

  /** Flushes and closes every segment. Calling it twice is harmless. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.active.flush();
    for (const segment of this.segments) segment.close();
  }
}
