import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { rangeAssignor, roundRobinAssignor } from '../src/index.ts';
import type { Assignment, PartitionAssignor } from '../src/index.ts';
import { assertProperty } from '#lib/testing/property.ts';

/** "C0: t0-0 t0-1 | C1: t0-2" — an assignment written so that a failure is easy to read. */
function show(assignment: Assignment): string {
  return [...assignment]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([member, partitions]) => `${member}: ${partitions.map(({ topic, partition }) => `${topic}-${partition}`).join(' ') || '(nothing)'}`)
    .join(' | ');
}

/** Problems with an assignment: a partition given twice or never, or to a member not subscribed to its topic. */
function problems(assignment: Assignment, partitionsPerTopic: Map<string, number>, subscriptions: Map<string, string[]>): string[] {
  const found: string[] = [];
  const owners = new Map<string, string[]>();
  for (const [member, partitions] of assignment) {
    for (const { topic, partition } of partitions) {
      const key = `${topic}-${partition}`;
      owners.set(key, [...(owners.get(key) ?? []), member]);
      if (!subscriptions.get(member)?.includes(topic)) found.push(`${key} went to ${member}, which does not subscribe to ${topic}`);
    }
  }
  for (const [topic, count] of partitionsPerTopic) {
    const wanted = [...subscriptions.values()].some((topics) => topics.includes(topic));
    for (let partition = 0; partition < count; partition++) {
      const key = `${topic}-${partition}`;
      const who = owners.get(key) ?? [];
      if (who.length > 1) found.push(`${key} went to ${who.length} members (${who.join(', ')}): two members would read the same records`);
      if (wanted && who.length === 0) found.push(`${key} went to nobody: its records would never be read`);
    }
  }
  for (const member of subscriptions.keys()) if (!assignment.has(member)) found.push(`${member} has no entry at all (give it an empty list)`);
  return found;
}

const twoTopics = new Map([['t0', 3], ['t1', 3]]);
const bothSubscribe = new Map([['C0', ['t0', 't1']], ['C1', ['t0', 't1']]]);

describe('task 1: assignors', () => {
  test("task 1: range cuts each topic into contiguous ranges, the first members getting one more (Kafka's example)", () => {
    const assignment = rangeAssignor.assign(twoTopics, bothSubscribe);
    expect(show(assignment), 'range: 3 partitions over 2 members is [0, 1] and [2], topic by topic').toBe('C0: t0-0 t0-1 t1-0 t1-1 | C1: t0-2 t1-2');
  });

  test('task 1: range gives 5 partitions to 3 members as [0, 1], [2, 3], [4], members in id order', () => {
    const assignment = rangeAssignor.assign(new Map([['numtest', 5]]), new Map([['m-b', ['numtest']], ['m-c', ['numtest']], ['m-a', ['numtest']]]));
    expect(show(assignment), 'members are sorted by id (m-a first), and 5 = 2 + 2 + 1').toBe('m-a: numtest-0 numtest-1 | m-b: numtest-2 numtest-3 | m-c: numtest-4');
  });

  test("task 1: round-robin deals the partitions of all topics in turn (Kafka's example)", () => {
    const assignment = roundRobinAssignor.assign(twoTopics, bothSubscribe);
    expect(show(assignment), 'round-robin: t0-0 t0-1 t0-2 t1-0 t1-1 t1-2 dealt to C0, C1, C0, C1, …').toBe('C0: t0-0 t0-2 t1-1 | C1: t0-1 t1-0 t1-2');
  });

  test('task 1: round-robin skips a member for the partitions of a topic it does not subscribe to', () => {
    const subscriptions = new Map([['C0', ['t0']], ['C1', ['t0', 't1']], ['C2', ['t0', 't1']]]);
    const topics = new Map([['t0', 1], ['t1', 3]]);
    const assignment = roundRobinAssignor.assign(topics, subscriptions);
    expect(problems(assignment, topics, subscriptions), show(assignment)).toEqual([]);
    expect(show(assignment), "t0-0 C0, t1-0 C1, t1-1 C2, then it is C0's turn for t1-2, but C0 does not read t1: C1 gets it").toBe('C0: t0-0 | C1: t1-0 t1-2 | C2: t1-1');
  });

  test('task 1: more members than partitions: the extra members get an empty list, never a shared partition', () => {
    const subscriptions = new Map(['a', 'b', 'c'].map((member) => [member, ['numtest']]));
    for (const assignor of [rangeAssignor, roundRobinAssignor]) {
      const assignment = assignor.assign(new Map([['numtest', 2]]), subscriptions);
      expect(problems(assignment, new Map([['numtest', 2]]), subscriptions), `${assignor.name}: ${show(assignment)}`).toEqual([]);
      expect(show(assignment), assignor.name).toBe('a: numtest-0 | b: numtest-1 | c: (nothing)');
    }
  });

  test.each([rangeAssignor, roundRobinAssignor])('task 1: $name gives every partition to exactly one subscribed member, evenly, whatever the numbers', (assignor: PartitionAssignor) => {
    const input = fc.record({
      members: fc.integer({ min: 1, max: 7 }),
      topics: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
    });
    assertProperty(
      fc.property(input, ({ members, topics }) => {
        const partitionsPerTopic = new Map(topics.map((count, i) => [`topic-${i}`, count]));
        const subscriptions = new Map(Array.from({ length: members }, (_, i) => [`member-${i}`, [...partitionsPerTopic.keys()]]));
        const assignment = assignor.assign(partitionsPerTopic, subscriptions);
        const found = problems(assignment, partitionsPerTopic, subscriptions);
        // Balance: range is even per topic, round-robin over all partitions together.
        const counts = assignor.name === 'range'
          ? [...partitionsPerTopic.keys()].map((topic) => [...assignment.values()].map((partitions) => partitions.filter((p) => p.topic === topic).length))
          : [[...assignment.values()].map((partitions) => partitions.length)];
        for (const spread of counts) if (Math.max(...spread) - Math.min(...spread) > 1) found.push(`uneven: members got ${spread.join(', ')} partitions; no member should have more than one partition more than another`);
        expect(found, `${assignor.name} with ${members} members and topics of ${topics.join(', ')} partitions: ${show(assignment)}`).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('task 1: assignors with different subscriptions', () => {
  test.each([rangeAssignor, roundRobinAssignor])('task 1: $name gives every partition to exactly one member subscribed to its topic, whoever subscribes to what', (assignor: PartitionAssignor) => {
    const input = fc.record({
      topics: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
      members: fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
    });
    assertProperty(
      fc.property(input, ({ topics, members }) => {
        const partitionsPerTopic = new Map(topics.map((count, i) => [`topic-${i}`, count]));
        const names = [...partitionsPerTopic.keys()];
        // Member i reads the topics its booleans pick (at least one).
        const subscriptions = new Map(members.map((picks, i) => [`member-${i}`, names.filter((_, t) => picks[t]).concat(names.some((_, t) => picks[t]) ? [] : [names[0]!])]));
        const assignment = assignor.assign(partitionsPerTopic, subscriptions);
        expect(problems(assignment, partitionsPerTopic, subscriptions), `${assignor.name}, subscriptions ${JSON.stringify([...subscriptions])}: ${show(assignment)}`).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
