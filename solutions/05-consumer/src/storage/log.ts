// The log of one partition: Kafka's UnifiedLog (called Log before Kafka 3.0).
//
// It lives in its own directory, `dataDir/<topic>-<partition>/`, as a list of segments ordered by
// base offset. Appends go to the last, active segment and get the next offsets; when the active
// segment is full a new one is rolled. Reads find the segment holding an offset, or the first
// record of a time (each segment's time index). Retention deletes whole segments from the old
// end. The log end offset (the next offset to give out) and the log start offset (the first one
// still kept) are all a reader needs to know what exists.
import fs from 'node:fs';
import path from 'node:path';
import { KafkaError, OffsetOutOfRangeError } from '../common/errors.ts';
import { LogSegment } from './log-segment.ts';
import type { TimestampOffset } from './time-index.ts';
import { encodeBatch, type LogRecord, type RecordBatch } from '../record/record-batch.ts';
import { validateTopicName } from '../common/topic-name.ts';
import { LOG_DEFAULTS, type LogOptions } from './log-config.ts';

export class Log {
  /** Ordered by base offset; the last one is the active segment. Never empty. */
  private readonly segments: LogSegment[];
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

    // Only the last segment can have a torn end: older segments were complete and fsynced when
    // the log rolled past them (see roll()), and nothing writes to them since. So a restart
    // checks one segment, not the whole log, however long the log is.
    const result = this.active.recover();
    if (result.truncatedBytes > 0) {
      this.say(
        `Recovered ${path.basename(this.active.logFile)}: kept ${result.batches} batches (log end offset ${this.logEndOffset}), ` +
          `cut ${result.truncatedBytes} bytes (${result.reason})`,
      );
    }
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

  /** Appends `records` as one batch with the next offsets and returns the first (the base offset). */
  append(records: LogRecord[]): number {
    if (this.closed) throw new Error(`the log in ${this.dir} is closed`);
    // The log, not the producer, gives out offsets: the next one is always the log end offset.
    const baseOffset = this.logEndOffset;
    const batch = encodeBatch(baseOffset, records);
    // An empty segment takes any batch, so a batch bigger than segmentBytes still has a home.
    if (this.active.size > 0 && this.active.size + batch.length > this.segmentBytes) this.roll();
    this.active.append(batch);
    this.unflushed += records.length;
    this.flushIfDue();
    return baseOffset;
  }

  /** Starts a new active segment at the log end offset. */
  private roll(): void {
    // fsync the segment we leave behind: from now on nothing writes to it, and recovery will
    // never look at it again, so its bytes must really be on disk.
    this.active.flush();
    this.segments.push(this.openSegment(this.logEndOffset));
    this.say(`Rolled a new segment ${path.basename(this.active.logFile)}`);
  }

  /**
   * The batches from `offset` on, about `maxBytes` of them (always at least one whole batch when
   * there is one, like Kafka's fetch). The first batch may start before `offset`.
   */
  read(offset: number, maxBytes = 1024 * 1024): RecordBatch[] {
    if (this.closed) throw new Error(`the log in ${this.dir} is closed`);
    if (!Number.isInteger(offset) || offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(`offset ${offset} is not in the log, which holds offsets ${this.logStartOffset} to ${this.logEndOffset - 1}`);
    }
    // A few segments per partition: a linear search is fine (Kafka keeps them in a sorted map).
    const segment = this.segments.findLast((candidate) => candidate.baseOffset <= offset)!;
    return segment.read(offset, maxBytes);
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
