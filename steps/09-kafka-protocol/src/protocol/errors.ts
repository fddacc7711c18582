// Errors on the wire. Apache Kafka sends an error as an int16 code, and every client keeps the
// same table of what each code means (Kafka's Errors.java): 3 is UNKNOWN_TOPIC_OR_PARTITION on
// every broker and in every client. Messages in words travel only in the few fields made for them
// (CreateTopics' error_message): a client that gets a code says what it means itself.
import type { ErrorBody } from './envelope.ts';

/** Every code this workshop's brokers send or its clients may meet, with Kafka's own numbers. */
const CODES: Record<string, number> = {
  UNKNOWN_SERVER_ERROR: -1,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  INVALID_RECORD: 87,
  INVALID_UPDATE_VERSION: 95,
  INELIGIBLE_REPLICA: 107,
};

const NAMES = new Map(Object.entries(CODES).map(([name, code]) => [code, name]));

/** What each code means, for a client that received only the number. */
const MEANINGS: Record<string, string> = {
  UNKNOWN_SERVER_ERROR: 'the broker failed while handling the request (its log says why)',
  OFFSET_OUT_OF_RANGE: 'the offset asked for is outside the partition\'s log',
  CORRUPT_MESSAGE: 'the record batch failed its checks (CRC or sizes) and nothing of it was written',
  UNKNOWN_TOPIC_OR_PARTITION: 'this broker has no such topic or partition',
  LEADER_NOT_AVAILABLE: 'the partition has no leader right now; try again shortly',
  NOT_LEADER_OR_FOLLOWER: 'this broker does not lead the partition; refresh metadata and ask its leader',
  REQUEST_TIMED_OUT: 'the in-sync replicas did not confirm the write in time',
  MESSAGE_TOO_LARGE: 'the batch is larger than the broker accepts (message.max.bytes)',
  COORDINATOR_LOAD_IN_PROGRESS: 'the group coordinator is still loading its offsets; try again shortly',
  COORDINATOR_NOT_AVAILABLE: 'the group has no coordinator right now; try again shortly',
  NOT_COORDINATOR: 'this broker does not coordinate the group; find the coordinator again',
  INVALID_TOPIC_EXCEPTION: 'the topic name is not valid, or the topic is internal',
  NOT_ENOUGH_REPLICAS: 'fewer in-sync replicas than min.insync.replicas: the write was refused',
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 'the write is on the leader but the ISR shrank below min.insync.replicas',
  INVALID_REQUIRED_ACKS: 'acks must be 0, 1 or -1',
  ILLEGAL_GENERATION: 'the member belongs to an older generation of the group; rejoin',
  INCONSISTENT_GROUP_PROTOCOL: 'the member\'s protocol type or assignors do not match the group\'s',
  INVALID_GROUP_ID: 'the group id is not valid',
  UNKNOWN_MEMBER_ID: 'the coordinator does not know this member; rejoin with an empty member id',
  INVALID_SESSION_TIMEOUT: 'the session timeout is outside the broker\'s allowed range',
  REBALANCE_IN_PROGRESS: 'the group is rebalancing; rejoin',
  UNSUPPORTED_VERSION: 'the broker does not speak this version of the request',
  TOPIC_ALREADY_EXISTS: 'the topic already exists',
  INVALID_PARTITIONS: 'the number of partitions is not valid',
  INVALID_REPLICATION_FACTOR: 'the replication factor is larger than the live brokers or below 1',
  INVALID_CONFIG: 'a topic setting is not valid',
  NOT_CONTROLLER: 'this is not the controller',
  INVALID_REQUEST: 'the broker could not read the request (its log says why)',
  FENCED_LEADER_EPOCH: 'the leader epoch given is older than the leader\'s',
  UNKNOWN_LEADER_EPOCH: 'the leader epoch given is newer than the leader\'s',
  UNSUPPORTED_COMPRESSION_TYPE: 'the batch uses a compression codec this broker does not have (it has gzip)',
  STALE_BROKER_EPOCH: 'the broker epoch is not the latest registration\'s',
  INVALID_RECORD: 'a record in the batch is not valid',
  INVALID_UPDATE_VERSION: 'the partition changed since the leader last saw it',
  INELIGIBLE_REPLICA: 'a replica in the proposed ISR is not eligible (fenced or not a replica)',
};

/** The int16 for an error name; 0 for none. A name without a code is a bug, answered as UNKNOWN_SERVER_ERROR. */
export function errorCode(error: ErrorBody | undefined): number {
  if (!error) return 0;
  return CODES[error.code] ?? -1;
}

/** The error an int16 stands for: undefined for 0 (no error). */
export function errorFromCode(code: number, message?: string | null): ErrorBody | undefined {
  if (code === 0) return undefined;
  const name = NAMES.get(code) ?? `KAFKA_ERROR_${code}`;
  return { code: name, message: message ?? MEANINGS[name] ?? `Apache Kafka error code ${code}` };
}
