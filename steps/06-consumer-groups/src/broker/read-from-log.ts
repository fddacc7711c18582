// Reading a fetch from the logs, once (Kafka's ReplicaManager.readFromLog): every partition the
// fetch names, within the fetch's byte limits. Waiting for more, when this brings too little,
// is the replica manager's (its fetch(), with the purgatory).
//
// A partition that cannot be read (unknown, or an offset outside its log) is refused with a
// KafkaError, and the refusal becomes that partition's error in the answer: one bad partition
// spoils no other.
import { errorBody, KafkaError } from '../common/errors.ts';
import type { Log } from '../storage/log.ts';
import type { FetchedPartition, FetchPartition, FetchRequest, FetchResponse } from '../protocol/index.ts';
import { batchSize, recordsFrom, type RecordBatch } from '../record/record-batch.ts';
import { toWireRecord } from './wire-record.ts';

/**
 * Reads every partition of a fetch once, at most `maxBytes` of records in all; also says how
 * many bytes it took. `logToRead` finds a partition's log, or refuses it.
 */
export function readFromLog(request: FetchRequest, maxBytes: number, logToRead: (topic: string, partition: number) => Log): { response: FetchResponse; bytes: number } {
  let bytes = 0;
  const partitions = request.partitions.map((wanted): FetchedPartition => {
    const { topic, partition } = wanted;
    let log: Log | undefined;
    try {
      log = logToRead(topic, partition);
      const batches = readPartition(log, wanted, maxBytes - bytes);
      bytes += batches.reduce((sum, batch) => sum + batchSize(batch), 0);
      // A batch may start before the offset asked for: only the records from it on are sent.
      const records = recordsFrom(batches, wanted.offset).map(toWireRecord);
      return { topic, partition, highWatermark: log.logEndOffset, logStartOffset: log.logStartOffset, records };
    } catch (error) {
      // The partition's refusal is its part of the answer; the consumer learns where the log starts and ends.
      return { topic, partition, highWatermark: log?.logEndOffset ?? -1, logStartOffset: log?.logStartOffset ?? -1, records: [], error: errorBody(error) };
    }
  });
  return { response: { partitions }, bytes };
}

/**
 * The batches of one partition from `wanted.offset` on: at most its own maxBytes and what is
 * left of the request's. As in Kafka, a limit never stops the first batch that does not fit
 * when nothing else has been taken from this partition, so a big batch cannot block a consumer.
 */
export function readPartition(log: Log, wanted: FetchPartition, bytesLeft: number): RecordBatch[] {
  if (wanted.offset < log.logStartOffset || wanted.offset > log.logEndOffset) {
    throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${wanted.offset} is not in ${wanted.topic}-${wanted.partition}, which holds offsets ${log.logStartOffset} to ${log.logEndOffset - 1}`);
  }
  if (wanted.offset === log.logEndOffset || bytesLeft <= 0) return [];
  return log.read(wanted.offset, Math.min(wanted.maxBytes ?? bytesLeft, bytesLeft));
}
