// What a successful send() resolves with: where the record was written.
// Kafka's RecordMetadata, minus what this workshop does not track (sizes, checksums).

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset in its partition: its position in the log, from 0. */
  offset: number;
  /** The record's timestamp (ms since the epoch): the one given to send(), or when send() was called. */
  timestamp: number;
}
