// The checker: judges a history (history.ts) the way Jepsen's and Maelstrom's Kafka workloads do.
// It is pure and deterministic: the same history always gives the same verdict, so a run's
// history.json can be judged again, and the unit tests feed it histories with one anomaly planted.
//
// What it looks for, per partition:
//
//   lost                 a record that was acknowledged (or that a consumer read) is missing from
//                        a final read: the promise of acks=all is broken.
//   inconsistent offset  one offset, two values: the producer's ack, the consumers' polls and the
//                        final reads (the cluster's and each replica's) disagree about what is there.
//   nonmonotonic         a consumer was handed an offset at or below one it had already been handed
//                        in that partition, with no rebalance in between.
//   skip                 a consumer went from offset N to one beyond N + 1 in a partition, with no
//                        rebalance in between: it never saw the records in the gap.
//   duplicate            one value at two offsets. Not a bug here: a producer without idempotence
//                        that retries a batch whose ack was lost writes it twice (at-least-once).
//                        Counted separately, as Jepsen does.
//
// The first four make a run fail.
import type { FinalReadEvent, History, HistoryEvent, PollEvent, SendEvent } from './history.ts';

export type AnomalyKind = 'lost' | 'inconsistent-offset' | 'nonmonotonic' | 'skip' | 'duplicate';

/** The kinds that fail a run; duplicates are expected with retries. */
export const FATAL_KINDS: readonly AnomalyKind[] = ['lost', 'inconsistent-offset', 'nonmonotonic', 'skip'];
export const ANOMALY_KINDS: readonly AnomalyKind[] = [...FATAL_KINDS, 'duplicate'];

export interface Anomaly {
  kind: AnomalyKind;
  partition: number;
  /** The offsets involved, ascending. */
  offsets: number[];
  /** The values involved. */
  values: string[];
  /** The consumer, for nonmonotonic and skip. */
  process?: string;
  /** What happened, in one sentence a student can read. */
  message: string;
  /** The indexes of the history's events that show it (the history around them explains it). */
  events: number[];
}

export interface Counts {
  /** Sends in all, and how each ended. */
  sends: number;
  acked: number;
  failed: number;
  unknown: number;
  /** Records handed to consumers during the run (with repeats after rebalances). */
  polled: number;
  /** Distinct values in the final read (the cluster's, or the replicas' if it has none). */
  read: number;
  rebalances: number;
  /** Anomalies of each kind. */
  lost: number;
  inconsistentOffset: number;
  nonmonotonic: number;
  skip: number;
  duplicate: number;
}

export interface CheckResult {
  /** True when no lost, inconsistent offset, nonmonotonic or skip was found. */
  valid: boolean;
  counts: Counts;
  anomalies: Record<AnomalyKind, Anomaly[]>;
  /** Things worth knowing that break no promise (a failed send that was written after all). */
  notes: string[];
}

/** Who saw which value at an offset: an ack, a poll or a final read, and the event that shows it. */
interface Sighting {
  value: string;
  by: string;
  event: number;
}

/** The final read of one partition from one source: offset → value, and value → offsets. */
interface SourceRead {
  source: string;
  event: number;
  byOffset: Map<number, string>;
  offsetsOf: Map<string, number[]>;
}

export function check(history: History): CheckResult {
  const sends = history.events.filter((event): event is HistoryEvent & SendEvent => event.type === 'send');
  const polls = history.events.filter((event): event is HistoryEvent & PollEvent => event.type === 'poll');
  const finalReads = history.events.filter((event): event is HistoryEvent & FinalReadEvent => event.type === 'final-read');
  const anomalies: Record<AnomalyKind, Anomaly[]> = { lost: [], 'inconsistent-offset': [], nonmonotonic: [], skip: [], duplicate: [] };
  const notes: string[] = [];

  const readsOf = new Map<number, SourceRead[]>();
  for (const event of finalReads) {
    const read: SourceRead = { source: event.source, event: event.index, byOffset: new Map(), offsetsOf: new Map() };
    for (const { offset, value } of event.records) {
      // One source giving two values for one offset is itself an inconsistency; the sightings below report it.
      if (!read.byOffset.has(offset)) read.byOffset.set(offset, value);
      read.offsetsOf.set(value, [...(read.offsetsOf.get(value) ?? []), offset]);
    }
    readsOf.set(event.partition, [...(readsOf.get(event.partition) ?? []), read]);
  }
  const partitions = [...new Set([...sends.map((send) => send.partition), ...polls.flatMap((poll) => poll.records.map((record) => record.partition)), ...readsOf.keys()])].sort((a, b) => a - b);

  for (const partition of partitions) {
    const reads = readsOf.get(partition) ?? [];
    const partitionSends = sends.filter((send) => send.partition === partition);
    findLost(partition, partitionSends, polls, reads, anomalies.lost);
    findInconsistentOffsets(partition, partitionSends, polls, finalReads, reads, anomalies['inconsistent-offset']);
    findDuplicates(partition, partitionSends, reads, anomalies.duplicate);
    const failedButRead = partitionSends.filter((send) => send.outcome === 'failed' && reads.some((read) => read.offsetsOf.has(send.value)));
    for (const send of failedButRead) {
      notes.push(`${send.value} (partition ${partition}) failed with "${send.error ?? '?'}" and was written all the same: an earlier attempt of its batch got through before the one that failed.`);
    }
  }
  findNonmonotonicAndSkips(history.events, anomalies);

  const consumerReads = finalReads.filter((event) => event.source === 'consumer');
  const counted = consumerReads.length > 0 ? consumerReads : finalReads;
  const counts: Counts = {
    sends: sends.length,
    acked: sends.filter((send) => send.outcome === 'acked').length,
    failed: sends.filter((send) => send.outcome === 'failed').length,
    unknown: sends.filter((send) => send.outcome === 'unknown').length,
    polled: polls.reduce((sum, poll) => sum + poll.records.length, 0),
    read: new Set(counted.flatMap((event) => event.records.map((record) => `${event.partition}:${record.value}`))).size,
    rebalances: history.events.filter((event) => event.type === 'rebalance').length,
    lost: anomalies.lost.length,
    inconsistentOffset: anomalies['inconsistent-offset'].length,
    nonmonotonic: anomalies.nonmonotonic.length,
    skip: anomalies.skip.length,
    duplicate: anomalies.duplicate.length,
  };
  return { valid: FATAL_KINDS.every((kind) => anomalies[kind].length === 0), counts, anomalies, notes };
}

/** Acknowledged values, and values a consumer was handed, that some final read of the partition lacks. */
function findLost(partition: number, sends: Array<HistoryEvent & SendEvent>, polls: Array<HistoryEvent & PollEvent>, reads: SourceRead[], found: Anomaly[]): void {
  const missingFrom = (value: string) => (reads.length === 0 ? ['every final read (there was none)'] : reads.filter((read) => !read.offsetsOf.has(value)).map((read) => read.source));
  const reported = new Set<string>();
  for (const send of sends) {
    if (send.outcome !== 'acked') continue;
    const missing = missingFrom(send.value);
    if (missing.length === 0) continue;
    reported.add(send.value);
    found.push({
      kind: 'lost',
      partition,
      offsets: send.offset === undefined ? [] : [send.offset],
      values: [send.value],
      message: `${send.value} was acknowledged to ${send.process} at offset ${send.offset ?? '?'} of partition ${partition}, but the final read of ${missing.join(', ')} does not hold it.`,
      events: [send.index, ...reads.filter((read) => missing.includes(read.source)).map((read) => read.event)],
    });
  }
  // A value a consumer was handed was committed (consumers read only up to the high watermark): it must stay.
  for (const poll of polls) {
    for (const record of poll.records) {
      if (record.partition !== partition || reported.has(record.value)) continue;
      const missing = missingFrom(record.value);
      if (missing.length === 0) continue;
      reported.add(record.value);
      found.push({
        kind: 'lost',
        partition,
        offsets: [record.offset],
        values: [record.value],
        message: `${poll.process} was handed ${record.value} at offset ${record.offset} of partition ${partition}, but the final read of ${missing.join(', ')} does not hold it: a consumer read a record that did not survive.`,
        events: [poll.index, ...reads.filter((read) => missing.includes(read.source)).map((read) => read.event)],
      });
    }
  }
}

/** Offsets that were seen with two values (acks, polls and final reads together), and acks at an offset where the log has nothing. */
function findInconsistentOffsets(
  partition: number,
  sends: Array<HistoryEvent & SendEvent>,
  polls: Array<HistoryEvent & PollEvent>,
  finalReads: Array<HistoryEvent & FinalReadEvent>,
  reads: SourceRead[],
  found: Anomaly[],
): void {
  const sightings = new Map<number, Sighting[]>();
  const saw = (offset: number, sighting: Sighting) => sightings.set(offset, [...(sightings.get(offset) ?? []), sighting]);
  for (const send of sends) {
    if (send.outcome === 'acked' && send.offset !== undefined) saw(send.offset, { value: send.value, by: `the ack to ${send.process}`, event: send.index });
  }
  for (const poll of polls) {
    for (const record of poll.records) if (record.partition === partition) saw(record.offset, { value: record.value, by: poll.process, event: poll.index });
  }
  for (const event of finalReads) {
    if (event.partition !== partition) continue;
    for (const record of event.records) saw(record.offset, { value: record.value, by: `the final read of ${event.source}`, event: event.index });
  }
  for (const offset of [...sightings.keys()].sort((a, b) => a - b)) {
    const seen = sightings.get(offset)!;
    const values = [...new Set(seen.map((sighting) => sighting.value))];
    if (values.length < 2) continue;
    const who = values.map((value) => `${value} (${[...new Set(seen.filter((sighting) => sighting.value === value).map((sighting) => sighting.by))].join(', ')})`);
    found.push({
      kind: 'inconsistent-offset',
      partition,
      offsets: [offset],
      values,
      message: `offset ${offset} of partition ${partition} holds different values depending on who looked: ${who.join(' vs ')}.`,
      events: [...new Set(seen.map((sighting) => sighting.event))],
    });
  }
  // An ack whose offset the log does not have at all, while the value sits elsewhere: the ack lied about where.
  for (const send of sends) {
    if (send.outcome !== 'acked' || send.offset === undefined) continue;
    for (const read of reads) {
      const at = read.offsetsOf.get(send.value);
      if (!at || at.includes(send.offset) || read.byOffset.has(send.offset)) continue;
      found.push({
        kind: 'inconsistent-offset',
        partition,
        offsets: [...new Set([send.offset, ...at])].sort((a, b) => a - b),
        values: [send.value],
        message: `${send.value} was acknowledged at offset ${send.offset} of partition ${partition}, but the final read of ${read.source} has it at ${at.join(', ')} and nothing at ${send.offset}.`,
        events: [send.index, read.event],
      });
    }
  }
}

/** Values at more than one offset in the final reads: a retried batch written twice. */
function findDuplicates(partition: number, sends: Array<HistoryEvent & SendEvent>, reads: SourceRead[], found: Anomaly[]): void {
  const offsetsOf = new Map<string, Set<number>>();
  for (const read of reads) {
    for (const [value, offsets] of read.offsetsOf) {
      const known = offsetsOf.get(value) ?? new Set<number>();
      for (const offset of offsets) known.add(offset);
      offsetsOf.set(value, known);
    }
  }
  const sendOf = new Map(sends.map((send) => [send.value, send]));
  for (const [value, offsets] of offsetsOf) {
    if (offsets.size < 2) continue;
    const send = sendOf.get(value);
    const sorted = [...offsets].sort((a, b) => a - b);
    found.push({
      kind: 'duplicate',
      partition,
      offsets: sorted,
      values: [value],
      message: `${value} is in partition ${partition} ${offsets.size} times, at offsets ${sorted.join(', ')}${send ? ` (its send ended ${send.outcome}${send.offset === undefined ? '' : ` at ${send.offset}`})` : ''}: a retry wrote it again.`,
      events: [...(send ? [send.index] : []), ...reads.filter((read) => read.offsetsOf.has(value)).map((read) => read.event)],
    });
  }
  found.sort((a, b) => a.offsets[0]! - b.offsets[0]!);
}

/** Each consumer's offsets, partition by partition: they must go up by one, except across a rebalance. */
function findNonmonotonicAndSkips(events: HistoryEvent[], anomalies: Record<AnomalyKind, Anomaly[]>): void {
  /** Per consumer, per partition: the last offset handed out since its last rebalance, and the poll that handed it. */
  const last = new Map<string, Map<number, { offset: number; value: string; event: number }>>();
  for (const event of events) {
    if (event.type === 'rebalance') last.delete(event.process);
    if (event.type !== 'poll') continue;
    const mine = last.get(event.process) ?? new Map();
    last.set(event.process, mine);
    for (const record of event.records) {
      const before = mine.get(record.partition);
      mine.set(record.partition, { offset: record.offset, value: record.value, event: event.index });
      if (!before || record.offset === before.offset + 1) continue;
      const events = [...new Set([before.event, event.index])];
      if (record.offset <= before.offset) {
        anomalies.nonmonotonic.push({
          kind: 'nonmonotonic',
          partition: record.partition,
          offsets: [before.offset, record.offset],
          values: [before.value, record.value],
          process: event.process,
          message: `${event.process} was handed offset ${record.offset} of partition ${record.partition} after offset ${before.offset}, with no rebalance in between: its offsets went ${record.offset === before.offset ? 'round again' : 'back'}.`,
          events,
        });
      } else {
        const gap = record.offset - before.offset - 1;
        anomalies.skip.push({
          kind: 'skip',
          partition: record.partition,
          offsets: [before.offset, record.offset],
          values: [before.value, record.value],
          process: event.process,
          message: `${event.process} went from offset ${before.offset} to ${record.offset} of partition ${record.partition} with no rebalance in between: it never saw the ${gap === 1 ? 'record' : `${gap} records`} at ${gap === 1 ? before.offset + 1 : `${before.offset + 1} to ${record.offset - 1}`}.`,
          events,
        });
      }
    }
  }
}
