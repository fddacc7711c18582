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
  //> step 09 task 3: validateBatches — check every batch a producer sent before a byte is written
  if (recordSet.length === 0) throw new CorruptRecordError('the record set is empty: send at least one record batch');
  const batches: ValidBatch[] = [];
  for (let position = 0; position < recordSet.length; ) {
    const where = `batch ${batches.length} (at byte ${position} of ${recordSet.length})`;
    const found = checkBatchAt(recordSet, position);
    if (found.kind === 'torn') throw new CorruptRecordError(`${where} is cut short: ${found.reason} (batchLength must count every byte after its own field)`);
    if (found.kind !== 'batch') throw new CorruptRecordError(`${where}: ${found.kind === 'corrupt' ? found.reason : 'nothing there'}`);
    const { header, size } = found;
    const compression = compressionOf(header.attributes);
    if (compression !== 'none' && compression !== 'gzip') throw unsupportedCompression(compression);
    if ((header.attributes & (TRANSACTIONAL | CONTROL)) !== 0) {
      throw new KafkaError('INVALID_RECORD', `${where} is ${header.attributes & CONTROL ? 'a control batch' : 'transactional'}: this broker does not support transactions`);
    }
    if (options.maxBatchBytes !== undefined && size > options.maxBatchBytes) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `${where} is ${size} bytes, over the ${options.maxBatchBytes} this topic accepts`);
    }
    // The checksum only says the bytes arrived as sent: decode the records too, so that a
    // producer's encoding bug is refused now rather than met by every consumer later.
    try {
      decodeRecords(recordSet, position, header);
    } catch (error) {
      if (error instanceof CorruptRecordError) throw new CorruptRecordError(`${where}: ${error.message}`);
      throw error;
    }
    batches.push({ position, size, baseOffset: header.baseOffset, partitionLeaderEpoch: header.partitionLeaderEpoch, recordCount: header.recordCount });
    position += size;
  }
  return batches;
  //<
}
