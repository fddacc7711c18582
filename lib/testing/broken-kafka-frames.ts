// Kafka protocol requests broken the ways a buggy or hostile client breaks them, for the tests
// that throw thousands of them at a broker: step 09's own (task 6) and lib/chaos's longer fuzz of
// the reference. `next` is a seeded generator (lib/chaos/prng.ts), so a seed gives the same bytes.

/** One frame: one of `valid` (whole requests, size prefix included) as it is, or broken in one of six ways. */
export function brokenKafkaFrame(next: () => number, valid: Buffer[]): Buffer {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const frame = Buffer.from(pick(valid));
  switch (Math.floor(next() * 7)) {
    case 0:
      return frame; // well formed
    case 1: {
      // flipped bytes anywhere after the size
      for (let i = 0; i < 1 + Math.floor(next() * 4); i++) frame[4 + Math.floor(next() * (frame.length - 4))] = Math.floor(next() * 256);
      return frame;
    }
    case 2: {
      // cut short, with the size saying so (a truncated body)
      const cut = frame.subarray(0, 4 + Math.floor(next() * (frame.length - 4)));
      cut.writeInt32BE(cut.length - 4, 0);
      return cut;
    }
    case 3: {
      // a length or count inside the body that lies: a huge int32 somewhere
      const at = 4 + 8 + Math.floor(next() * Math.max(1, frame.length - 16));
      if (at + 4 <= frame.length) frame.writeInt32BE(pick([0x7fffffff, -2, 1 << 30, 65_536]), at);
      return frame;
    }
    case 4: {
      // an api key or version nobody speaks
      frame.writeInt16BE(pick([-1, 99, 1000, 32_767]), 4 + (next() < 0.5 ? 0 : 2));
      return frame;
    }
    case 5: {
      // garbage with a plausible size
      const garbage = Buffer.alloc(4 + Math.floor(next() * 64));
      for (let i = 4; i < garbage.length; i++) garbage[i] = Math.floor(next() * 256);
      garbage.writeInt32BE(garbage.length - 4, 0);
      return garbage;
    }
    default: {
      // a string length of -1 where a string may not be null, or a negative array count
      const at = 4 + 10 + Math.floor(next() * Math.max(1, frame.length - 16));
      if (at + 2 <= frame.length) frame.writeInt16BE(-1, at);
      return frame;
    }
  }
}
