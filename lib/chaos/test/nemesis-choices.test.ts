// What makes a chaos run replayable and its outcomes honest: the seeded PRNG gives the same
// choices for the same seed, and a rejected send counts as failed only when no retry was possible.
import { describe, expect, it } from 'vitest';
import { Prng } from '../prng.ts';
import { outcomeOf } from '../producers.ts';

describe('the seeded PRNG', () => {
  it('makes the same choices for the same seed, and others for another', () => {
    const draw = (seed: number) => {
      const prng = new Prng(seed);
      return Array.from({ length: 20 }, () => prng.int(0, 1_000));
    };
    expect(draw(18)).toEqual(draw(18));
    expect(draw(18)).not.toEqual(draw(19));
  });

  it('keeps int() within its bounds, both included, and reaches both', () => {
    const prng = new Prng(7);
    const seen = new Set(Array.from({ length: 1_000 }, () => prng.int(2, 5)));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });
});

describe("a rejected send's outcome", () => {
  it('is unknown after a retriable error or a dropped connection: an earlier attempt may have been written', () => {
    expect(outcomeOf(Object.assign(new Error('gave up after 5 attempts'), { code: 'NOT_LEADER_OR_FOLLOWER' }))).toBe('unknown');
    expect(outcomeOf(Object.assign(new Error('timed out'), { code: 'REQUEST_TIMED_OUT' }))).toBe('unknown');
    expect(outcomeOf(new Error('the connection to 127.0.0.1:9092 closed'))).toBe('unknown');
  });

  it('is failed when a broker refused it for a reason no retry changes', () => {
    expect(outcomeOf(Object.assign(new Error('too large'), { code: 'MESSAGE_TOO_LARGE' }))).toBe('failed');
  });
});
