// Committed offsets, kept in the internal topic __consumer_offsets (as Kafka keeps them).
//
// A commit says "group G has processed partition P up to offset O": the next member to read P
// for G starts at O. Commits must outlive the broker, and the broker already has a durable,
// crash-recovered, append-only structure: the log. So a commit is a record appended to a
// partition of __consumer_offsets, keyed by (group, topic, partition), and the broker keeps the
// latest value per key in memory to answer offsetFetch fast. When the broker starts, it
// replays that log to rebuild the memory: the last commit for a key wins.
//
// Each group lives in one partition of the topic, chosen by hashing its id. In a cluster (step
// 08), the broker that leads that partition is the group's coordinator.
import type { Log } from '../storage/log.ts';
import type { CommittedPartition } from '../protocol/index.ts';

/** Kafka's `offsets.topic.num.partitions`. */
export const DEFAULT_OFFSETS_TOPIC_PARTITIONS = 50;

export interface CommittedOffset {
  offset: number;
  metadata: string;
  /** When the commit arrived, in ms since the epoch. */
  commitTimestamp: number;
}

/** The key of a commit record; JSON here, a small binary schema in Kafka. */
interface OffsetKey {
  group: string;
  topic: string;
  partition: number;
}

export class ConsumerOffsets {
  /** group → "topic-partition" → its latest commit: the log, folded into memory. */
  private readonly latest = new Map<string, Map<string, CommittedOffset>>();

  /**
   * `logs` gives the partitions of __consumer_offsets, creating the topic the first time;
   * `appended` tells the broker a partition grew (fetches parked on it wake up).
   */
  constructor(
    private readonly logs: () => Log[],
    private readonly appended: (partition: number) => void = () => {},
  ) {}

  /** Makes the commit durable (one record per partition, in one batch), then remembers it. */
  commit(groupId: string, offsets: CommittedPartition[], now: number): void {
    if (offsets.length === 0) return; // nothing to store (a batch needs at least one record)
    const logs = this.logs();
    const partition = partitionFor(groupId, logs.length);
    const records = offsets.map(({ topic, partition, offset, metadata = '' }) => ({
      key: Buffer.from(JSON.stringify({ group: groupId, topic, partition } satisfies OffsetKey)),
      value: Buffer.from(JSON.stringify({ offset, metadata, commitTimestamp: now } satisfies CommittedOffset)),
      timestamp: now,
      headers: [],
    }));
    // To the log first: a commit acknowledged but not written would be lost by a restart.
    logs[partition]!.append(records);
    for (const { topic, partition, offset, metadata = '' } of offsets) this.remember(groupId, topic, partition, { offset, metadata, commitTimestamp: now });
    this.appended(partition);
  }

  /** The group's latest commit for a partition, if it ever committed one. */
  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.latest.get(groupId)?.get(`${topic}-${partition}`);
  }

  /** Every group with a commit kept here: after a restart, the only trace of a group until a member rejoins. */
  groups(): string[] {
    return [...this.latest.keys()];
  }

  /** Rebuilds memory from the log (a broker starting up); returns how many commits it replayed. */
  load(): number {
    let replayed = 0;
    for (const log of this.logs()) {
      for (const record of log.readRecords()) {
        const key = JSON.parse(record.key!.toString('utf8')) as OffsetKey;
        const value = JSON.parse(record.value!.toString('utf8')) as CommittedOffset;
        this.remember(key.group, key.topic, key.partition, value);
        replayed += 1;
      }
    }
    return replayed;
  }

  private remember(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    let offsets = this.latest.get(groupId);
    if (!offsets) this.latest.set(groupId, (offsets = new Map()));
    offsets.set(`${topic}-${partition}`, committed);
  }
}

/** The partition of __consumer_offsets that holds a group: Kafka's abs(groupId.hashCode()) % partitions. */
export function partitionFor(groupId: string, partitions: number): number {
  return javaAbs(javaStringHashCode(groupId)) % partitions;
}

/** Java's String.hashCode: s[0]·31^(n-1) + … + s[n-1], in 32-bit integers. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs: Math.abs, except that the one negative int without a positive twin maps to 0. */
function javaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}
