// --topics: created once every broker listens, with the step's own KafkaAdmin (step 04 on).
import { pathToFileURL } from 'node:url';
import type { SourceChoice } from '../choose-source.ts';
import { colour } from '../../output.ts';
import { arrives, has } from '../../step-features.ts';
import type { TopicSpec } from './flags.ts';

/** Creates the --topics with the step's KafkaAdmin, if it has one. */
export async function createTopics(choice: SourceChoice, topics: TopicSpec[], bootstrapServers: string[], stepNumber: string): Promise<void> {
  if (topics.length === 0) return;
  const api = (await import(pathToFileURL(choice.file).href)) as { KafkaAdmin?: new (options: { bootstrapServers: string[] }) => Admin };
  if (typeof api.KafkaAdmin !== 'function') {
    console.log(colour.yellow(`Note: step ${stepNumber} has no KafkaAdmin (it arrives in ${arrives('log')}), so --topics creates nothing; topics are created when first used.`));
    return;
  }
  const replicates = has(choice.step.number, 'replication');
  const ignored = topics.filter((topic) => topic.replicationFactor > 1);
  if (!replicates && ignored.length > 0) {
    const asked = ignored.map((topic) => `${topic.name}:${topic.partitions}:${topic.replicationFactor}`).join(', ');
    console.log(colour.yellow(`Note: step ${stepNumber}'s KafkaAdmin has no replication (step 07 brings it), so every topic gets one replica (asked: ${asked}).`));
  }
  const admin = new api.KafkaAdmin({ bootstrapServers });
  try {
    for (const topic of topics) {
      const replicationFactor = replicates ? topic.replicationFactor : 1;
      try {
        await deadline(admin.createTopic(topic.name, { partitions: topic.partitions, replicationFactor }), 15_000, 'no answer');
        console.log(`Created topic ${topic.name}: ${topic.partitions} partition(s), replication factor ${replicationFactor}`);
      } catch (error) {
        const message = (error as Error).message;
        if ((error as { code?: string }).code === 'TOPIC_ALREADY_EXISTS') console.log(colour.dim(`Topic ${topic.name} already exists (its data is in the data dir from an earlier run).`));
        else console.error(colour.red(`Could not create topic ${topic.name}: ${message}`));
      }
    }
  } finally {
    await deadline(Promise.resolve(admin.close()), 5_000, 'close').catch(() => {});
  }
}

interface Admin {
  createTopic(name: string, options: { partitions: number; replicationFactor: number }): Promise<void>;
  close(): Promise<void> | void;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}
