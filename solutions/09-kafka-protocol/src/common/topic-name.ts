// Which names a topic may have.
//
// A topic name becomes a directory name (`dataDir/<topic>-<partition>/`), so the rule is about
// the filesystem as much as about taste. Kafka's rule, kept here exactly: 1 to 249 characters
// from a-z, A-Z, 0-9, '.', '_' and '-', and neither "." nor "..". With no '/' allowed, a name
// cannot point into another directory ("../etc", "a/b"); 249 leaves room, under the 255-character
// limit most filesystems put on a file name, for the "-<partition>" Kafka appends and the
// suffixes it adds while deleting a partition.
import { KafkaError } from './errors.ts';

export const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's INVALID_TOPIC_EXCEPTION: the client asked for a name no topic can have. */
export class InvalidTopicError extends KafkaError {
  constructor(message: string) {
    super('INVALID_TOPIC_EXCEPTION', message);
    this.name = 'InvalidTopicError';
  }
}

const ALLOWED = 'letters a-z and A-Z, digits 0-9, and ".", "_" and "-"';

/** Throws InvalidTopicError, with a message that says what to change, unless `name` is a legal topic name. */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string') throw new InvalidTopicError(`a topic name must be a string, not ${name === null ? 'null' : typeof name}`);
  if (name.length === 0) throw new InvalidTopicError(`a topic name cannot be empty; use 1 to ${MAX_TOPIC_NAME_LENGTH} ${ALLOWED}`);
  if (name === '.' || name === '..') {
    throw new InvalidTopicError(`"${name}" cannot be a topic name: it means a directory on disk; use at least one other character`);
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicError(`the topic name "${name.slice(0, 20)}…" is ${name.length} characters long; the limit is ${MAX_TOPIC_NAME_LENGTH}`);
  }
  const illegal = [...name].find((char) => !/[a-zA-Z0-9._-]/.test(char));
  if (illegal !== undefined) {
    throw new InvalidTopicError(`the topic name ${JSON.stringify(name)} contains ${JSON.stringify(illegal)}; a topic name may only use ${ALLOWED}`);
  }
}

/** The internal topic where groups commit their offsets, as in Kafka. Producers may not write to it. */
export const OFFSETS_TOPIC = '__consumer_offsets';
