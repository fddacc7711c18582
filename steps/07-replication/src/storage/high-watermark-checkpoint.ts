// Where each partition's high watermark is written down: Kafka's `replication-offset-checkpoint`,
// one file in the data dir, rewritten every few seconds and when the broker stops.
//
// The high watermark lives in memory. A leader that restarted and took its own log end as the
// high watermark would show consumers records that no follower has (acks=1 writes made while
// the followers were away), which a later leader could then never have. So it starts from the
// last value written down, and the followers' next fetches move it on. The file is Kafka's plain
// text: a version line (0), a count line, then `topic partition highWatermark` per line.
import fs from 'node:fs';
import path from 'node:path';

export class HighWatermarkCheckpoint {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'replication-offset-checkpoint');
  }

  /** Every high watermark written down, by "topic-partition"; empty for a broker that never wrote one. */
  read(): Map<string, number> {
    const marks = new Map<string, number>();
    if (!fs.existsSync(this.file)) return marks;
    const [version, , ...lines] = fs.readFileSync(this.file, 'utf8').trim().split('\n');
    if (version !== '0') throw new Error(`${this.file} has version ${version}; this broker reads version 0`);
    for (const line of lines) {
      const [topic, partition, highWatermark] = line.split(' ');
      marks.set(`${topic}-${partition}`, Number(highWatermark));
    }
    return marks;
  }

  /** Writes every partition's high watermark, through a temporary file so a crash never leaves half a file. */
  write(partitions: Array<{ topic: string; partition: number; highWatermark: number }>): void {
    const lines = ['0', String(partitions.length), ...partitions.map(({ topic, partition, highWatermark }) => `${topic} ${partition} ${highWatermark}`)];
    const temporary = `${this.file}.tmp`;
    fs.writeFileSync(temporary, `${lines.join('\n')}\n`);
    fs.renameSync(temporary, this.file);
  }
}
