import { describe, expect, test } from 'vitest';
import { assignReplicas } from '../src/index.ts';
import { assertProperty } from '#lib/testing/property.ts';
import fc from 'fast-check';

const show = (assignment: number[][]) => assignment.map((replicas, p) => `p${p}: [${replicas.join(',')}]`).join('  ');

describe('task 1: placing the replicas', () => {
  test("task 1: 3 brokers, 6 partitions, RF 3 from start 0 and shift 0: the layout of Kafka's AdminUtils rule", () => {
    const assignment = assignReplicas([1, 2, 3], 6, 3, 0, 0);
    // Leaders walk round the brokers; the followers come after the leader, and shift by one on the second round.
    expect(show(assignment), 'leader at (start + p) mod n, follower j at 1 + (shift + j) mod (n - 1) after it').toBe(
      show([[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2], [2, 1, 3], [3, 2, 1]]),
    );
  });

  test('task 1: start and shift move the layout: start 1, shift 1 on 4 brokers, RF 2', () => {
    expect(show(assignReplicas([1, 2, 3, 4], 5, 2, 1, 1))).toBe(show([[2, 4], [3, 1], [4, 2], [1, 3], [2, 1]]));
  });

  test('task 1: brokers are taken in id order, whatever order they are given in', () => {
    expect(show(assignReplicas([30, 10, 20], 3, 2, 0, 0))).toBe(show([[10, 20], [20, 30], [30, 10]]));
  });

  test('task 1: a replication factor larger than the cluster is INVALID_REPLICATION_FACTOR, naming both numbers', () => {
    expect(() => assignReplicas([1, 2], 1, 3)).toThrow(/INVALID_REPLICATION_FACTOR.*3.*2 broker/);
  });

  test('task 1: any cluster and RF: distinct replicas per partition, and leaders spread evenly', () => {
    assertProperty(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (brokers, partitions, startSeed, shiftSeed) => {
        const ids = Array.from({ length: brokers }, (_, i) => i + 1);
        const rf = 1 + (startSeed % brokers);
        const assignment = assignReplicas(ids, partitions, rf, startSeed % brokers, shiftSeed % brokers);
        expect(assignment.length, 'one replica list per partition').toBe(partitions);
        for (const replicas of assignment) {
          expect(replicas.length, `each partition gets ${rf} replicas`).toBe(rf);
          expect(new Set(replicas).size, `no broker holds two copies of one partition: ${show(assignment)}`).toBe(rf);
        }
        const leaders = ids.map((id) => assignment.filter((replicas) => replicas[0] === id).length);
        expect(Math.max(...leaders) - Math.min(...leaders), `leaders per broker differ by at most one: ${leaders.join(', ')}`).toBeLessThanOrEqual(1);
      }),
    );
  });
});
