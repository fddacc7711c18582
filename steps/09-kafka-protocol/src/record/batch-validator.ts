// What a leader checks of the record batches a producer sent, before a byte of them is written
// (Kafka's LogValidator): a batch that would be refused later must be refused now, while the
// producer is there to hear why.
import { KafkaError } from '../common/errors.ts';
import { checkBatchAt, compressionOf, CONTROL, CorruptRecordError, decodeRecords, TRANSACTIONAL, unsupportedCompression } from './record-batch.ts';

/** One batch of a record set validateBatches accepted. */
export interface ValidBatch {
  /** Where the batch starts in the record set. */
  position: number;
  /** Its bytes, header included. */
  size: number;
  /** As the sender wrote them: a producer's are placeholders the leader stamps over (stampBatch). */
  baseOffset: number;
  partitionLeaderEpoch: number;
  recordCount: number;
}

export interface ValidateOptions {
  /** The largest batch accepted, in bytes; Kafka's max.message.bytes. Default: no limit. */
  maxBatchBytes?: number;
}

/**
 * Checks every batch of a record set before anything is written (Kafka's LogValidator): each
 * must be whole, in format v2, with a matching checksum, at least one record and a record count
 * that agrees with lastOffsetDelta, compressed with a codec this broker reads, and its records
 * must decode. An empty record set, a torn or damaged batch throw CorruptRecordError
 * (CORRUPT_MESSAGE); another codec throws UNSUPPORTED_COMPRESSION_TYPE; a transactional or
 * control batch INVALID_RECORD; a batch over maxBatchBytes MESSAGE_TOO_LARGE. Returns where the
 * batches are.
 */
export function validateBatches(recordSet: Buffer, options: ValidateOptions = {}): ValidBatch[] {
  throw new Error('TODO(step 09, task 3): validateBatches — check every batch a producer sent before a byte is written');
}
