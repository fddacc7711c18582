// What each step brings that lib's commands depend on, in one table: a command asks whether a
// step has a feature (`has(step, 'controller')`) instead of comparing with a number of its own.
// A new step that moves a feature changes this table and nothing else.
export const STEP_BRINGS = {
  /** Topics on disk: a data dir, and a KafkaAdmin that creates topics. */
  log: 4,
  /** A consumer and kcat, and the metadata (listOffsets, fetch) the dashboard reads. */
  consumer: 5,
  /** Replication: several copies of each partition, the ISR, acks=all. */
  replication: 7,
  /** A controller process that brokers register with, and clients that follow a moving leader. */
  controller: 8,
  /** Apache Kafka's binary protocol: kcat, kafka-python and KafkaJS talk to the broker. */
  kafkaProtocol: 9,
} as const;

export type StepFeature = keyof typeof STEP_BRINGS;

/** Whether step `step` (its number) has `feature`. */
export function has(step: number, feature: StepFeature): boolean {
  return step >= STEP_BRINGS[feature];
}

/** "step 08": where `feature` arrives, as a sentence names it. */
export function arrives(feature: StepFeature): string {
  return `step ${String(STEP_BRINGS[feature]).padStart(2, '0')}`;
}
