// What every broker knows of the cluster's topics: for each partition its leader, its replicas
// and its ISR, and each topic's own settings. Kafka's MetadataCache.
//
// Any broker answers a client's metadata request, also for partitions it holds no copy of, so
// each one keeps the whole layout, and keeps it on disk (`cluster-metadata.json` in its data
// dir): a broker that restarts knows at once which partitions it leads and which it follows.
// Until step 08's controller keeps this in a log of its own, the layout changes only when a
// topic is created and when a leader changes its ISR, and the broker that made the change tells
// the others with a LeaderAndIsr request.
import fs from 'node:fs';
import path from 'node:path';
import type { PartitionLayout, TopicLayout } from '../protocol/index.ts';

export class MetadataCache {
  private readonly topics = new Map<string, TopicLayout>();
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'cluster-metadata.json');
    if (!fs.existsSync(this.file)) return;
    const saved = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { topics: TopicLayout[] };
    for (const topic of saved.topics) this.topics.set(topic.name, topic);
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  topic(name: string): TopicLayout | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionLayout | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Takes a topic's layout (a whole topic, or some of its partitions) and writes the cache down. */
  update(layout: TopicLayout): void {
    const known = this.topics.get(layout.name);
    const partitions = [...(known?.partitions ?? [])];
    for (const entry of layout.partitions) partitions[entry.partition] = entry;
    this.topics.set(layout.name, { name: layout.name, configs: { ...known?.configs, ...layout.configs }, partitions });
    this.save();
  }

  /** Written to a temporary file and renamed over the old one: a crash leaves the old or the new, never half. */
  private save(): void {
    const temporary = `${this.file}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ topics: [...this.topics.values()] }, null, 2));
    fs.renameSync(temporary, this.file);
  }
}
