// Which leader wrote which offsets of one partition: Kafka's LeaderEpochFileCache (KIP-101).
//
// Every time the controller elects a leader for a partition it gives it a new LEADER EPOCH, one
// more than the last. The leader stamps its epoch into every batch it appends, and each replica
// remembers, per epoch, the first offset written in it:
//
//   epoch  startOffset
//       0            0     offsets 0 to 5 were written by the leader of epoch 0
//       1            6     offsets 6 to 8 by the leader of epoch 1
//       2            9     offsets 9 and on by the leader of epoch 2 (the latest)
//
// That short list is enough for a follower coming back from a leader change to find where its log
// and the new leader's part: "where does my latest epoch end in YOUR log?" The leader answers it
// for every follower fetch that names the follower's last epoch (divergingEpoch, Kafka since 2.7)
// and for an OffsetsForLeaderEpoch request (how followers asked before); the follower cuts off
// whatever it holds past that point, which the leader never had, and only then copies again.
// Truncating to the high watermark instead, as Kafka did before KIP-101, can lose acknowledged
// records or leave two replicas with different records at the same offset; KIP-101 tells both.
//
// The list lives in memory and in `leader-epoch-checkpoint` in the partition's directory, in
// Kafka's text format: a version line (0), a count line, then one `epoch startOffset` line per
// entry. It is rewritten (through a temporary file and a rename, so a crash leaves the old file
// or the new one, never half of one) each time it changes, which is rare: once per election.
import fs from 'node:fs';
import path from 'node:path';

/** Kafka's UNDEFINED_EPOCH: no epoch, as in "this replica knows no epoch that old". */
export const UNDEFINED_EPOCH = -1;
/** Kafka's UNDEFINED_EPOCH_OFFSET: no end offset for the epoch asked about. */
export const UNDEFINED_EPOCH_OFFSET = -1;

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';

/** One leader epoch and the first offset written in it. */
export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** What endOffsetFor answers: the largest epoch at or below the one asked about, and where it ends. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export class LeaderEpochCache {
  readonly file: string;
  /** Ordered by epoch, and by start offset too: both only grow. */
  private entries: EpochEntry[];

  /** Loads the partition's `leader-epoch-checkpoint` from `dir`; a new partition starts with none. */
  constructor(dir: string) {
    this.file = path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE);
    this.entries = fs.existsSync(this.file) ? readCheckpoint(this.file) : [];
  }

  /** Every entry, oldest epoch first (tests and demos show them). */
  get epochEntries(): readonly EpochEntry[] {
    return this.entries;
  }

  /** The epoch of the leader that wrote the last batch (or became leader last), UNDEFINED_EPOCH when none. */
  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /**
   * Records that `epoch` starts at `startOffset`: called for the first batch of a new epoch, and
   * by a new leader for its log end offset. Only an epoch newer than the latest is new; a batch
   * of an epoch already known changes nothing. Returns whether an entry was added.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || epoch <= this.latestEpoch) return false;
    // A newer leader's offsets replace what an older epoch claimed from there on (Kafka drops such
    // entries too); after a truncation there are none, so this only guards against a bug.
    this.entries = this.entries.filter((entry) => entry.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
    return true;
  }

  /**
   * Where `requestedEpoch` ends in this log: the start offset of the next higher epoch, or
   * `logEndOffset` when it is the latest. The answer's epoch is the largest this log knows at or
   * below the one asked about, for the asker may hold an epoch this log never had:
   *
   *   entries (0, 0) (2, 6), log end 9:   endOffsetFor(0) = {0, 6}   endOffsetFor(1) = {0, 6}
   *                                       endOffsetFor(2) = {2, 9}   endOffsetFor(3) = {-1, -1}
   *
   * An epoch older than every entry, or newer than the latest, gets UNDEFINED_EPOCH and
   * UNDEFINED_EPOCH_OFFSET: this log cannot say where it ends.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === UNDEFINED_EPOCH) return undefinedAnswer;
    if (requestedEpoch === this.latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const floor = this.entries.findLast((entry) => entry.epoch <= requestedEpoch);
    const higher = this.entries.find((entry) => entry.epoch > requestedEpoch);
    if (!floor || !higher) return undefinedAnswer;
    return { epoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** The log was cut back to end at `endOffset`: epochs starting at or after it are gone with their records. */
  truncateFromEnd(endOffset: number): void {
    const kept = this.entries.filter((entry) => entry.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.flush();
  }

  /**
   * The log now starts at `startOffset` (retention deleted old segments): epochs that ended before
   * it are forgotten, and the one that holds it now starts there, as Kafka keeps it.
   */
  truncateFromStart(startOffset: number): void {
    const holder = this.entries.findLast((entry) => entry.startOffset <= startOffset);
    if (!holder || (holder === this.entries[0] && holder.startOffset === startOffset)) return;
    this.entries = [{ epoch: holder.epoch, startOffset }, ...this.entries.filter((entry) => entry.startOffset > startOffset)];
    this.flush();
  }

  /** Forgets every epoch (the log was emptied). */
  clear(): void {
    if (this.entries.length === 0) return;
    this.entries = [];
    this.flush();
  }

  /** Writes the whole list to `leader-epoch-checkpoint`, through a temporary file and a rename. */
  private flush(): void {
    const lines = ['0', String(this.entries.length), ...this.entries.map(({ epoch, startOffset }) => `${epoch} ${startOffset}`)];
    const temporary = `${this.file}.tmp`;
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeSync(fd, `${lines.join('\n')}\n`);
      // On disk before the rename: the file says which records a replica may keep after a crash.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, this.file);
  }
}

/** Reads Kafka's checkpoint format; a file this broker did not write whole is refused, not guessed at. */
function readCheckpoint(file: string): EpochEntry[] {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (text === '') return []; // created but never written: nothing was known yet
  const [version, count, ...lines] = text.split('\n');
  if (version !== '0') throw new Error(`${file} has version ${version}; this broker reads version 0`);
  const entries = lines.map((line) => {
    const [epoch, startOffset, extra] = line.trim().split(/\s+/).map(Number);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset) || extra !== undefined) throw new Error(`${file}: malformed line "${line}"`);
    return { epoch: epoch!, startOffset: startOffset! };
  });
  if (Number(count) !== entries.length) throw new Error(`${file} says ${count} entries but holds ${entries.length}`);
  return entries;
}
