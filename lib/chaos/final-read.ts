// The final read: once the faults have stopped and every replica is back in sync, every partition
// is read from the beginning twice over. Through the cluster, as a client reads (the step's
// KafkaConsumer without a group, up to each partition's end offset), and from each in-sync
// replica's log on disk (a copy of its partition folder opened with the step's own Log, so the
// broker's files are not touched). The checker compares them all: with acks=all and min ISR 2,
// every in-sync replica must hold every acknowledged record, at the same offset. The replicas are
// also compared with each other, record for record and then byte for byte: a follower appends
// the leader's batches exactly as the leader stored them, so their segment files, read end to end,
// must be the same bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterProcess } from '../testing/cluster-process.ts';
import { within } from '../testing/wait.ts';
import { settleWithin } from './settle-within.ts';
import type { ClusterView } from './cluster-view.ts';
import type { HistoryRecorder, ReadRecord } from './history.ts';
import type { PartitionInfo, StepApi, StepLog } from '../step-api.ts';

/** How long the end offsets and the read through the cluster may take. */
const READ_MS = 60_000;

export interface FinalReadReport {
  /** Each partition's end offset (its high watermark), as its leader gave it. */
  endOffsets: number[];
  /** Per partition, whether every in-sync replica's log holds the same records (key, value, timestamp, headers) in the same order, in the same bytes. */
  replicasAgree: boolean[];
  /** Things that kept the read from being complete (a replica not in sync, a read that stopped short). */
  notes: string[];
}

/** Reads every partition to `endOffsets` (readEndOffsets), records each read in the history, and says what kept it from being complete. */
export async function finalRead(api: StepApi, cluster: ClusterProcess, view: ClusterView, history: HistoryRecorder, partitions: PartitionInfo[], endOffsets: number[]): Promise<FinalReadReport> {
  const topic = view.topic;
  const notes: string[] = [];

  // Through the cluster.
  const read = await readThroughCluster(api, cluster.bootstrapServers, topic, endOffsets, notes);
  for (const partition of partitions) history.record({ type: 'final-read', source: 'consumer', partition: partition.partition, records: read.get(partition.partition) ?? [] });

  // From each in-sync replica's files.
  const replicasAgree: boolean[] = [];
  for (const partition of partitions) {
    /** The first replica read, to compare the others with, record by record. */
    let first: { replica: number; full: string[]; bytes: Buffer } | null = null;
    let agree = true;
    for (const replica of partition.replicas) {
      if (!partition.isr.includes(replica)) {
        notes.push(`${topic}-${partition.partition}: broker ${replica} is not in the ISR at the end, so its log is not read (it may lawfully lag).`);
        continue;
      }
      const { records, full, bytes } = readReplica(api, cluster.broker(replica).dataDir, topic, partition.partition);
      history.record({ type: 'final-read', source: `replica ${replica}`, partition: partition.partition, records });
      if (!first) {
        first = { replica, full, bytes };
        continue;
      }
      const difference = firstDifference(first.full, full);
      if (difference !== null) {
        agree = false;
        notes.push(`${topic}-${partition.partition}: the logs of replicas ${first.replica} and ${replica} differ ${difference(`replica ${first.replica}`, `replica ${replica}`)}.`);
      } else if (!first.bytes.equals(bytes)) {
        agree = false;
        const at = firstByteDifference(first.bytes, bytes);
        notes.push(
          `${topic}-${partition.partition}: replicas ${first.replica} and ${replica} hold the same records, but their segment files differ from byte ${at} ` +
            `(of ${first.bytes.length} and ${bytes.length}): a follower should append the leader's batches exactly as they are.`,
        );
      }
    }
    replicasAgree.push(agree);
  }
  return { endOffsets, replicasAgree, notes };
}

/**
 * Each partition's high watermark, asked of its leader: where the read through the cluster may
 * stop. Leadership may still move (the preferred leader taking back its partitions): a refusal or
 * no answer is asked again of whoever the controller names then, for up to READ_MS.
 */
export async function readEndOffsets(api: StepApi, cluster: ClusterProcess, view: ClusterView): Promise<number[]> {
  const topic = view.topic;
  const deadline = Date.now() + READ_MS;
  const ends: number[] = [];
  for (let partition = 0; partition < (await view.partitions()).length; partition++) {
    for (;;) {
      const leader = (await view.partitions())[partition]?.leader ?? -1;
      let why: string;
      if (leader < 0) {
        why = 'it has no leader';
      } else {
        const broker = cluster.broker(leader);
        const connection = new api.Connection(broker.host, broker.port);
        try {
          const answer = await within(connection.request({ type: 'listOffsets', partitions: [{ topic, partition, timestamp: api.LATEST_TIMESTAMP }] }), 5_000, 'no answer');
          const result = answer.partitions[0];
          if (result && !result.error) {
            ends.push(result.offset);
            break;
          }
          why = `broker ${leader} said ${result?.error?.code ?? 'nothing'}`;
        } catch (error) {
          why = `broker ${leader}: ${(error as Error).message}`;
        } finally {
          await connection.close().catch(() => {});
        }
      }
      if (Date.now() >= deadline) throw new Error(`could not learn the end offset of ${topic}-${partition} within ${READ_MS / 1000} s: ${why}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return ends;
}

/** The step's consumer without a group, from the earliest offset, until every partition is read to its end offset. */
async function readThroughCluster(api: StepApi, bootstrapServers: string[], topic: string, endOffsets: number[], notes: string[]): Promise<Map<number, ReadRecord[]>> {
  const read = new Map<number, ReadRecord[]>(endOffsets.map((_, partition) => [partition, []]));
  const next = endOffsets.map(() => 0);
  const done = () => endOffsets.every((end, partition) => next[partition]! >= end);
  if (done()) return read;
  // consumerTimeoutMs ends the loop if records stop coming before the end: the read is then short, and the checker says what it lacks.
  const consumer = new api.KafkaConsumer<string | null>(topic, { bootstrapServers, autoOffsetReset: 'earliest', valueDeserializer: api.stringDeserializer, consumerTimeoutMs: 15_000, fetchMaxWaitMs: 100 });
  const reading = (async () => {
    for await (const record of consumer) {
      read.get(record.partition)?.push({ offset: record.offset, value: record.value ?? '' });
      next[record.partition] = Math.max(next[record.partition] ?? 0, record.offset + 1);
      if (done()) break;
    }
  })();
  try {
    await within(reading, READ_MS, 'the final read through the cluster did not reach the end of every partition');
  } catch (error) {
    notes.push((error as Error).message);
  } finally {
    await settleWithin(consumer.close(), 10_000);
  }
  endOffsets.forEach((end, partition) => {
    if (next[partition]! < end) notes.push(`${topic}-${partition}: the final read through the cluster stopped at offset ${next[partition]}, short of the end offset ${end}.`);
  });
  return read;
}

/**
 * One replica's log of the partition, read from a copy of its folder: offsets and values, each
 * whole record (key, timestamp, headers too) as JSON, and its segment files end to end.
 */
function readReplica(api: StepApi, dataDir: string, topic: string, partition: number): { records: ReadRecord[]; full: string[]; bytes: Buffer } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'kfs-chaos-replica-'));
  try {
    const folder = `${topic}-${partition}`;
    fs.cpSync(path.join(dataDir, folder), path.join(copy, folder), { recursive: true });
    const log = api.Log.open(copy, topic, partition);
    let read: ReturnType<StepLog['readRecords']>;
    try {
      read = log.readRecords();
    } finally {
      log.close();
    }
    // Buffers as text: a record's JSON then shows what a student would recognize.
    const full = read.map((record) => JSON.stringify(record, (key, value: unknown) => (isBufferJson(value) ? Buffer.from(value.data).toString('utf8') : value)));
    const records = read.map((record) => ({ offset: record.offset, value: record.value === null ? '' : record.value.toString('utf8') }));
    // Read after Log.open, which has cut a torn tail off the copy if there was one: the files as the log holds them.
    const segments = fs.readdirSync(path.join(copy, folder)).filter((name) => /^\d{20}\.log$/.test(name)).sort();
    return { records, full, bytes: Buffer.concat(segments.map((name) => fs.readFileSync(path.join(copy, folder, name)))) };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function firstByteDifference(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

function isBufferJson(value: unknown): value is { type: 'Buffer'; data: number[] } {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data);
}

/** Where two replicas' records first differ, as the end of a sentence ("at offset 7: … has … and … has …"), or null when they are the same. */
function firstDifference(a: string[], b: string[]): ((nameA: string, nameB: string) => string) | null {
  const clip = (text: string | undefined) => (text === undefined ? 'nothing' : text.length > 160 ? `${text.slice(0, 159)}…` : text);
  const at = a.findIndex((record, i) => record !== b[i]);
  const index = at >= 0 ? at : a.length < b.length ? a.length : -1;
  if (index < 0) return null;
  const offset = (JSON.parse(a[index] ?? b[index]!) as { offset: number }).offset;
  return (nameA, nameB) => `from offset ${offset} on (${nameA} holds ${a.length} records, ${nameB} ${b.length}): ${nameA} has ${clip(a[index])}, ${nameB} has ${clip(b[index])}`;
}
