// acks=all: a leader has appended a produce request's batches, and the answer waits until every
// in-sync replica has them too, that is until each batch's partition has its high watermark past
// the batch. Kafka makes a DelayedProduce of such a request and parks it in its produce purgatory;
// here one DelayedProduce per broker holds that purgatory and every request waiting in it. A
// waiting request costs no timer that polls: a high watermark that moves wakes it.
import { ProducePurgatory } from '../network/delayed-fetch.ts';
import type { ProduceResult } from '../protocol/index.ts';
import type { Partition } from './partition.ts';

/** A batch a leader appended for an acks=all request, and the offset the high watermark must pass. */
export interface AppendedBatch {
  result: ProduceResult;
  /** The offset after its last record: the batch is on every in-sync replica once the high watermark reaches it. */
  endOffset: number;
}

export class DelayedProduce {
  /** acks=all produce requests waiting for the in-sync replicas, woken when a high watermark moves. */
  private readonly purgatory = new ProducePurgatory();

  /** `partitionOf` finds a partition this broker holds (the replica manager's). */
  constructor(private readonly partitionOf: (topic: string, partition: number) => Partition | undefined) {}

  /**
   * acks=all: resolves once every appended batch is below its partition's high watermark (on
   * every in-sync replica), or `timeoutMs` has passed (REQUEST_TIMED_OUT for what is still
   * missing). A batch that made it while the ISR had shrunk below min.insync.replicas gets
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND: it is written, but on fewer copies than asked.
   */
  async awaitInSyncReplicas(batches: AppendedBatch[], timeoutMs: number, clientGone?: AbortSignal): Promise<ProduceResult[]> {
    await this.waitForHighWatermarks(batches, timeoutMs, clientGone);
    for (const batch of batches) {
      const partition = this.partitionOf(batch.result.topic, batch.result.partition);
      if (batch.result.error || !partition || partition.hasEnoughReplicas) continue;
      batch.result.error = { code: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', message: `${partition.name} is written, but the ISR shrank to ${partition.isr.join(', ')} while it waited, fewer than min.insync.replicas (${partition.minIsr})` };
    }
    return batches.map(({ result }) => result);
  }

  /**
   * Parks in the produce purgatory until every batch is below its partition's high watermark;
   * the purgatory wakes it when one of their high watermarks moves, never a timer that polls.
   * At the deadline, or when the client goes, what is still short gets REQUEST_TIMED_OUT.
   */
  private async waitForHighWatermarks(batches: AppendedBatch[], timeoutMs: number, clientGone?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const isr = ({ topic, partition }: ProduceResult) => this.partitionOf(topic, partition)?.isr.join(', ');
    // #region await-isr
    const replicated = ({ result, endOffset }: AppendedBatch) => (this.partitionOf(result.topic, result.partition)?.highWatermark ?? -1) >= endOffset;
    for (;;) {
      // A leader replaced while the request waited can never see its high watermark move: say so.
      for (const { result } of batches) {
        const leader = this.partitionOf(result.topic, result.partition);
        if (!result.error && !leader?.isLeader) result.error = { code: 'NOT_LEADER_OR_FOLLOWER', message: `${leader ? `broker ${leader.localId}` : 'this broker'} no longer leads ${result.topic}-${result.partition} (broker ${leader?.leader ?? -1} does now); the write may or may not be on the new leader` };
      }
      const waiting = batches.filter((batch) => !batch.result.error && !replicated(batch));
      if (waiting.length === 0) return;
      const timeLeft = deadline - Date.now();
      const reason = timeLeft > 0 ? await this.purgatory.wait(waiting.map(({ result }) => result), timeLeft, clientGone) : 'timeout';
      if (reason === 'timeout' || reason === 'released') {
        for (const { result } of waiting.filter((batch) => !replicated(batch))) {
          result.error = { code: 'REQUEST_TIMED_OUT', message: `${result.topic}-${result.partition} is written on the leader, but not every in-sync replica (${isr(result)}) had it within ${timeoutMs} ms` };
        }
        return;
      }
    }
    // #endregion await-isr
  }

  /** A partition's high watermark moved: the requests waiting on it look again. */
  highWatermarkMoved(topic: string, partition: number): void {
    this.purgatory.appended(topic, partition);
  }

  /** The broker stops: every waiting request is answered now, with what is still short timed out. */
  releaseAll(): void {
    this.purgatory.releaseAll();
  }
}
