// KafkaJS, as the tests, the demo and the bench use it. KafkaJS 2.2 sometimes sets a timer for a
// moment already past (a negative delay); Node has always run such a timer after 1 ms, and from
// Node 24 it also prints a TimeoutNegativeWarning. The warning says nothing about the cluster or
// the student's code, so it is left out of what they see; every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const name = typeof warning === 'string' ? (typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type) : warning.name;
  if (name === 'TimeoutNegativeWarning') return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

export { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
