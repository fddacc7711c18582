// One partition of one topic, as a consumer is assigned it, reads it and seeks in it: Kafka's
// TopicPartition. Brokers key their partitions by the same pair, written "topic-partition".

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** The "topic-partition" string that keys a partition in maps: "numtest-0". */
export function keyOf(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
