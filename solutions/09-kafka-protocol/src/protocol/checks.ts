// What a request module checks after its schema has read a request: values the wire can carry but
// the handlers must never see, such as a partition index of -1, a negative timeout (a Node timer
// would fire at once) or an empty group id. A refusal is an InvalidRequestError that names the
// field by Kafka's name for it; the broker logs it and answers INVALID_REQUEST.
//
// Checks that Kafka answers with a code of their own stay with the handlers: a topic name it does
// not allow (INVALID_TOPIC_EXCEPTION), a partition count it will not create (INVALID_PARTITIONS).
import { InvalidRequestError } from './types.ts';

/** A number the handlers count on being at least `min`: a partition index, a timeout, a broker id. */
export function atLeast(min: number, value: number, what: string): number {
  if (value < min) throw new InvalidRequestError(`${what} is ${value}: it must be ${min} or more`);
  return value;
}

/** A name the handlers count on not being empty: a group id, a member id, a topic. */
export function nonEmpty(value: string, what: string): string {
  if (value === '') throw new InvalidRequestError(`${what} is empty: it must name something`);
  return value;
}
