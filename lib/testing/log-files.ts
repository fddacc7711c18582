// A partition's log as its files hold it, for tests that compare replicas byte for byte.
import fs from 'node:fs';
import path from 'node:path';

/** Every segment of `topic-partition` under a broker's data dir, concatenated in offset order. */
export function partitionLogBytes(brokerDataDir: string, topic: string, partition: number): Buffer {
  const dir = path.join(brokerDataDir, `${topic}-${partition}`);
  const segments = fs.readdirSync(dir).filter((name) => name.endsWith('.log')).sort();
  return Buffer.concat(segments.map((name) => fs.readFileSync(path.join(dir, name))));
}
