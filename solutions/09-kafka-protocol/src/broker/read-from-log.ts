// Reading a fetch from the logs, once (Kafka's ReplicaManager.readFromLog): every partition the
// fetch names, within the fetch's byte limits. Waiting for more, when this brings too little,
// is the replica manager's (its fetch(), with the purgatory).
//
// A partition that cannot be read (unknown, or an offset outside its log) is refused with a
// KafkaError, and the refusal becomes that partition's error in the answer: one bad partition
// spoils no other.
import { errorBody, KafkaError } from '../common/errors.ts';
import type { FetchedPartition, FetchPartition, FetchRequest, FetchResponse } from '../protocol/index.ts';
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
      //> step 09 rewrites: a fetch answers the stored batches as bytes, never decoded, to consumers and followers alike
      if (diverging) return { topic, partition, highWatermark: leader.highWatermark, logStartOffset: leader.log.logStartOffset, records: Buffer.alloc(0), divergingEpoch: diverging };
      const records = readPartition(leader, wanted, maxBytes - bytes, follower);
      bytes += records.length;
      return { topic, partition, highWatermark: leader.highWatermark, logStartOffset: leader.log.logStartOffset, records };
    } catch (error) {
      // The partition's refusal is its part of the answer; the consumer learns where the log starts and ends.
      return { topic, partition, highWatermark: leader?.highWatermark ?? -1, logStartOffset: leader?.log.logStartOffset ?? -1, records: Buffer.alloc(0), error: errorBody(error) };
    }
  });
  return { response: { partitions }, bytes };
}

/**
 * The stored batches of one partition from `wanted.offset` on, as bytes, never decoded: at most
 * its own maxBytes and what is left of the request's. As in Kafka, a limit never stops the
 * first batch when nothing else has been taken from this partition, so a big batch cannot block
 * a consumer; and a batch may start before the offset asked for (the client skips those records).
 */
export function readPartition(partition: Partition, wanted: FetchPartition, bytesLeft: number, follower: boolean): Buffer {
  const { log } = partition;
  if (wanted.offset < log.logStartOffset || wanted.offset > log.logEndOffset) {
    throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${wanted.offset} is not in ${wanted.topic}-${wanted.partition}, which holds offsets ${log.logStartOffset} to ${log.logEndOffset - 1}`);
  }
  const upTo = readUpTo(partition, follower);
  if (wanted.offset >= upTo || bytesLeft <= 0) return Buffer.alloc(0);
  // The high watermark falls between batches (followers copy whole batches), so whole batches below it are all there is to send.
  return log.readBytes(wanted.offset, Math.min(wanted.maxBytes ?? bytesLeft, bytesLeft), upTo);
  //<
}

/** Where reading a partition stops: the offset after the last record this reader may have. */
export function readUpTo({ log, highWatermark }: Partition, follower: boolean): number {
  return follower ? log.logEndOffset : highWatermark;
}
