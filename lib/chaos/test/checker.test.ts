// The checker on small histories: a clean one finds nothing, and each anomaly planted in it is
// found, alone, with its offsets and the history around it in the explanation.
import { describe, expect, it } from 'vitest';
import { check, type AnomalyKind, type CheckResult } from '../checker.ts';
import { countsLine, explain } from '../explain.ts';
import { HistoryRecorder, type History, type ReadRecord } from '../history.ts';

/** A recorder whose clock moves 10 ms per event, so times in explanations are fixed. */
function recorder(): HistoryRecorder {
  let now = 0;
  return new HistoryRecorder('chaos', 2, 7, () => (now += 10));
}

const records = (...values: string[]): ReadRecord[] => values.map((value, offset) => ({ offset, value }));

interface Plant {
  /** Replaces a final read's records (by source and partition). */
  finalRead?: (source: string, partition: number, read: ReadRecord[]) => ReadRecord[];
  /** Events to record between the run and the final reads. */
  during?: (history: HistoryRecorder) => void;
}

/**
 * Two partitions, four acknowledged sends each (a0..a3 in 0, b0..b3 in 1), an unknown send
 * (u1, never written) and a failed one (f1); consumer-1 reads partition 0 in two polls,
 * consumer-2 reads partition 1, is rebalanced and reads it again from offset 1 (legal after a
 * rebalance); the final read of the cluster and of two replicas hold every acknowledged value.
 */
function history(plant: Plant = {}): History {
  const h = recorder();
  h.record({ type: 'nemesis', action: 'kill', broker: 2, detail: 'leader of chaos-0' });
  for (let i = 0; i < 4; i++) {
    h.record({ type: 'send', process: 'producer-1', partition: 0, value: `a${i}`, outcome: 'acked', offset: i, sentAt: 0 });
    h.record({ type: 'send', process: 'producer-2', partition: 1, value: `b${i}`, outcome: 'acked', offset: i, sentAt: 0 });
  }
  h.record({ type: 'send', process: 'producer-1', partition: 0, value: 'u1', outcome: 'unknown', error: 'gave up', sentAt: 0 });
  h.record({ type: 'send', process: 'producer-2', partition: 1, value: 'f1', outcome: 'failed', error: 'INVALID_RECORD', sentAt: 0 });
  h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 0, value: 'a0' }, { partition: 0, offset: 1, value: 'a1' }] });
  h.record({ type: 'poll', process: 'consumer-2', records: [{ partition: 1, offset: 0, value: 'b0' }, { partition: 1, offset: 1, value: 'b1' }, { partition: 1, offset: 2, value: 'b2' }] });
  h.record({ type: 'nemesis', action: 'restart', broker: 2, detail: 'back' });
  h.record({ type: 'rebalance', process: 'consumer-2', detail: 'generation 2' });
  h.record({ type: 'poll', process: 'consumer-2', records: [{ partition: 1, offset: 1, value: 'b1' }, { partition: 1, offset: 2, value: 'b2' }, { partition: 1, offset: 3, value: 'b3' }] });
  h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 2, value: 'a2' }, { partition: 0, offset: 3, value: 'a3' }] });
  plant.during?.(h);
  for (const source of ['consumer', 'replica 1', 'replica 2']) {
    for (const [partition, read] of [records('a0', 'a1', 'a2', 'a3'), records('b0', 'b1', 'b2', 'b3')].entries()) {
      h.record({ type: 'final-read', source, partition, records: plant.finalRead?.(source, partition, read) ?? read });
    }
  }
  return h.history();
}

/** The kinds of anomaly found, with how many of each: the test says which it planted. */
function found(result: CheckResult): Partial<Record<AnomalyKind, number>> {
  return Object.fromEntries(Object.entries(result.anomalies).filter(([, list]) => list.length > 0).map(([kind, list]) => [kind, list.length]));
}

describe('the checker', () => {
  it('finds nothing in a clean history, and counts its sends by outcome', () => {
    const result = check(history());
    expect(found(result)).toEqual({});
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({ sends: 10, acked: 8, failed: 1, unknown: 1, polled: 10, read: 8, rebalances: 1 });
    expect(result.notes).toEqual([]);
    expect(countsLine(result)).toBe('10 sends: 8 acked, 1 failed, 1 unknown · 10 polled, 1 rebalances · 8 read back · lost 0, inconsistent offset 0, nonmonotonic 0, skip 0 · duplicate 0 (expected with retries)');
  });

  it('is deterministic: the same history, the same verdict', () => {
    const planted = history({ finalRead: (source, partition, read) => (partition === 0 ? read.slice(0, 3) : read) });
    expect(check(planted)).toEqual(check(structuredClone(planted)));
  });

  it('lost: an acknowledged value missing from the final read', () => {
    const result = check(history({ finalRead: (source, partition, read) => (partition === 1 ? read.filter((record) => record.value !== 'b3') : read) }));
    expect(found(result)).toEqual({ lost: 1 });
    expect(result.valid).toBe(false);
    expect(result.anomalies.lost[0]).toMatchObject({ partition: 1, offsets: [3], values: ['b3'] });
    expect(result.anomalies.lost[0]!.message).toMatch(/b3 was acknowledged to producer-2 at offset 3 of partition 1, but the final read of consumer, replica 1, replica 2 does not hold it/);
  });

  it('lost: an acknowledged value that one replica lacks', () => {
    const result = check(history({ finalRead: (source, partition, read) => (source === 'replica 2' && partition === 0 ? read.slice(0, 3) : read) }));
    expect(found(result)).toEqual({ lost: 1 });
    expect(result.anomalies.lost[0]!.message).toMatch(/a3 .* the final read of replica 2 does not hold it/);
  });

  it('lost: a value a consumer was handed, then missing from the final read', () => {
    const result = check(
      history({
        during: (h) => h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 4, value: 'u1' }] }),
      }),
    );
    expect(found(result)).toEqual({ lost: 1 });
    expect(result.anomalies.lost[0]).toMatchObject({ partition: 0, offsets: [4], values: ['u1'] });
    expect(result.anomalies.lost[0]!.message).toMatch(/consumer-1 was handed u1 at offset 4 of partition 0, but the final read of consumer, replica 1, replica 2 does not hold it/);
  });

  it('inconsistent offset: two replicas disagree about an offset past the acknowledged ones', () => {
    const result = check(
      history({
        finalRead: (source, partition, read) => (partition === 0 ? [...read, { offset: 4, value: source === 'replica 2' ? 'u2' : 'u1' }] : read),
        during: (h) => h.record({ type: 'send', process: 'producer-1', partition: 0, value: 'u2', outcome: 'unknown', error: 'timed out', sentAt: 0 }),
      }),
    );
    expect(found(result)).toEqual({ 'inconsistent-offset': 1 });
    expect(result.anomalies['inconsistent-offset'][0]).toMatchObject({ partition: 0, offsets: [4], values: ['u1', 'u2'] });
    expect(result.anomalies['inconsistent-offset'][0]!.message).toBe('offset 4 of partition 0 holds different values depending on who looked: u1 (the final read of consumer, the final read of replica 1) vs u2 (the final read of replica 2).');
  });

  it('inconsistent offset: an ack at an offset where the log has nothing, the value elsewhere', () => {
    const result = check(
      history({
        during: (h) => h.record({ type: 'send', process: 'producer-2', partition: 1, value: 'b4', outcome: 'acked', offset: 9, sentAt: 0 }),
        finalRead: (source, partition, read) => (partition === 1 ? [...read, { offset: 4, value: 'b4' }] : read),
      }),
    );
    expect(found(result)).toEqual({ 'inconsistent-offset': 3 });
    expect(result.anomalies['inconsistent-offset'].map((anomaly) => anomaly.offsets)).toEqual([[4, 9], [4, 9], [4, 9]]);
    expect(result.anomalies['inconsistent-offset'][0]!.message).toBe('b4 was acknowledged at offset 9 of partition 1, but the final read of consumer has it at 4 and nothing at 9.');
  });

  it('nonmonotonic: a consumer handed an offset it had passed, with no rebalance in between', () => {
    const result = check(history({ during: (h) => h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 1, value: 'a1' }] }) }));
    expect(found(result)).toEqual({ nonmonotonic: 1 });
    expect(result.anomalies.nonmonotonic[0]).toMatchObject({ partition: 0, offsets: [3, 1], process: 'consumer-1' });
    expect(result.anomalies.nonmonotonic[0]!.message).toBe('consumer-1 was handed offset 1 of partition 0 after offset 3, with no rebalance in between: its offsets went back.');
  });

  it('nonmonotonic: the same offset twice in a row counts too', () => {
    const result = check(history({ during: (h) => h.record({ type: 'poll', process: 'consumer-2', records: [{ partition: 1, offset: 3, value: 'b3' }] }) }));
    expect(found(result)).toEqual({ nonmonotonic: 1 });
    expect(result.anomalies.nonmonotonic[0]!.message).toMatch(/went round again/);
  });

  it('a rebalance in between makes going back legal', () => {
    const result = check(
      history({
        during: (h) => {
          h.record({ type: 'rebalance', process: 'consumer-1', detail: 'generation 3' });
          h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 1, value: 'a1' }] });
        },
      }),
    );
    expect(found(result)).toEqual({});
  });

  it('skip: a consumer jumps over offsets within one partition', () => {
    const result = check(
      history({
        during: (h) => {
          h.record({ type: 'rebalance', process: 'consumer-2', detail: 'generation 3' });
          h.record({ type: 'poll', process: 'consumer-2', records: [{ partition: 1, offset: 0, value: 'b0' }] });
          h.record({ type: 'poll', process: 'consumer-2', records: [{ partition: 1, offset: 3, value: 'b3' }] });
        },
      }),
    );
    expect(found(result)).toEqual({ skip: 1 });
    expect(result.anomalies.skip[0]).toMatchObject({ partition: 1, offsets: [0, 3], process: 'consumer-2' });
    expect(result.anomalies.skip[0]!.message).toBe('consumer-2 went from offset 0 to 3 of partition 1 with no rebalance in between: it never saw the 2 records at 1 to 2.');
  });

  it('duplicate: one acknowledged value at two offsets, counted apart and not a failure', () => {
    const result = check(history({ finalRead: (source, partition, read) => (partition === 0 ? [...read, { offset: 4, value: 'a3' }] : read) }));
    expect(found(result)).toEqual({ duplicate: 1 });
    expect(result.valid).toBe(true);
    expect(result.anomalies.duplicate[0]).toMatchObject({ partition: 0, offsets: [3, 4], values: ['a3'] });
  });

  it('notes a failed send that was written all the same, without failing the run', () => {
    const result = check(history({ finalRead: (source, partition, read) => (partition === 1 ? [...read, { offset: 4, value: 'f1' }] : read) }));
    expect(found(result)).toEqual({});
    expect(result.notes).toEqual(['f1 (partition 1) failed with "INVALID_RECORD" and was written all the same: an earlier attempt of its batch got through before the one that failed.']);
  });

  it('explains an anomaly with its offsets and the history of its partition around it', () => {
    const planted = history({ during: (h) => h.record({ type: 'poll', process: 'consumer-1', records: [{ partition: 0, offset: 1, value: 'a1' }] }) });
    const text = explain(check(planted), planted);
    expect(text).toContain('Nonmonotonic: 1');
    expect(text).toContain('nonmonotonic in partition 0, offsets 3, 1: consumer-1 was handed offset 1');
    // The two polls that show it are marked; the fault and the sends of partition 0 around them are there too.
    expect(text).toMatch(/> #\d+ \+0\.\d{3}s consumer-1 poll p0@2=a2 p0@3=a3\n/);
    expect(text).toMatch(/> #\d+ \+0\.\d{3}s consumer-1 poll p0@1=a1\n?/);
    expect(text).toContain('nemesis restart broker 2: back');
    expect(text).not.toContain('consumer-2 poll');
  });
});
