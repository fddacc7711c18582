// Reading a fetch from the logs, once (Kafka's ReplicaManager.readFromLog): every partition the
// fetch names, within the fetch's byte limits. Waiting for more, when this brings too little,
// is the replica manager's (its fetch(), with the purgatory).
//
// A partition that cannot be read (unknown, or an offset outside its log) is refused with a
// KafkaError, and the refusal becomes that partition's error in the answer: one bad partition
// spoils no other.
import { errorBody, KafkaError } from '../common/errors.ts';
import type { FetchedPartition, FetchPartition, FetchRequest, FetchResponse } from '../protocol/index.ts';
import { batchSize, encodeBatch, recordsFrom, type RecordBatch } from '../record/record-batch.ts';
import { toWireRecord } from './wire-record.ts';
import type { Partition } from './partition.ts';

/**
 * Reads every partition of a fetch once, at most `maxBytes` of records in all; also says how
 * many bytes it took. `leaderPartition` finds a partition this broker leads, or refuses it.
 */
export function readFromLog(request: FetchRequest, maxBytes: number, leaderPartition: (topic: string, partition: number) => Partition): { response: FetchResponse; bytes: number } {
  let bytes = 0;
  const follower = (request.replicaId ?? -1) >= 0;
  const partitions = request.partitions.map((wanted): FetchedPartition => {
    const { topic, partition } = wanted;
    let leader: Partition | undefined;
    try {
      leader = leaderPartition(topic, partition);
      leader.checkFetchEpoch(wanted.currentLeaderEpoch);
      // A follower whose log parts from this one gets no records, only where to cut its own.
      const diverging = follower ? leader.divergingEpoch(wanted.lastFetchedEpoch, wanted.offset) : null;
      if (diverging) return { topic, partition, highWatermark: leader.highWatermark, logStartOffset: leader.log.logStartOffset, records: [], batches: [], divergingEpoch: diverging };
      const batches = readPartition(leader, wanted, maxBytes - bytes, follower);
      bytes += batches.reduce((sum, batch) => sum + batchSize(batch), 0);
      const { highWatermark, log } = leader;
      if (follower) return { topic, partition, highWatermark, logStartOffset: log.logStartOffset, records: [], batches: batches.map((batch) => encodeBatch(batch.baseOffset, batch.records, batch.partitionLeaderEpoch).toString('base64')) };
      // A batch may start before the offset asked for: only the records from it on are sent.
      const records = recordsFrom(batches, wanted.offset).map(toWireRecord);
      return { topic, partition, highWatermark, logStartOffset: log.logStartOffset, records };
    } catch (error) {
      // The partition's refusal is its part of the answer; the consumer learns where the log starts and ends.
      return { topic, partition, highWatermark: leader?.highWatermark ?? -1, logStartOffset: leader?.log.logStartOffset ?? -1, records: [], error: errorBody(error) };
    }
  });
  return { response: { partitions }, bytes };
}

/**
 * The batches of one partition from `wanted.offset` on: at most its own maxBytes and what is
 * left of the request's. As in Kafka, a limit never stops the first batch that does not fit
 * when nothing else has been taken from this partition, so a big batch cannot block a consumer.
 */
export function readPartition(partition: Partition, wanted: FetchPartition, bytesLeft: number, follower: boolean): RecordBatch[] {
  const { log } = partition;
  if (wanted.offset < log.logStartOffset || wanted.offset > log.logEndOffset) {
    throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${wanted.offset} is not in ${wanted.topic}-${wanted.partition}, which holds offsets ${log.logStartOffset} to ${log.logEndOffset - 1}`);
  }
  const upTo = readUpTo(partition, follower);
  if (wanted.offset >= upTo || bytesLeft <= 0) return [];
  // The high watermark falls between batches (followers copy whole batches), so whole batches below it are all there is to send.
  return log.read(wanted.offset, Math.min(wanted.maxBytes ?? bytesLeft, bytesLeft)).filter((batch) => batch.baseOffset < upTo);
}

/** Where reading a partition stops: the offset after the last record this reader may have. */
export function readUpTo({ log, highWatermark }: Partition, follower: boolean): number {
  return follower ? log.logEndOffset : highWatermark;
}
