// What a chaos run saw, in the order it saw it: the history the checker judges.
//
// The vocabulary is Jepsen's and Maelstrom's Kafka workloads. A producer's send ends one of three
// ways: `acked` (the leader said "written at offset N" with acks=all), `failed` (a broker said no
// for a reason that is not retriable: that attempt wrote nothing) or `unknown` (the producer gave
// up, or its answer never came: the record may or may not be in the log). A consumer's `poll` is
// the records one fetch handed it, in order; a `rebalance` is the moment its group gave it a new
// share of the partitions, after which it may legally start again from a committed offset. The
// `final-read` is every partition read back from the beginning once the faults have stopped, from
// the cluster (a consumer without a group) and from each in-sync replica's log on disk.
//
// A history is plain JSON: a run writes it to .kfs/chaos/, and the checker can judge it again later.

export type Outcome = 'acked' | 'failed' | 'unknown';

/** One record as a consumer or a final read saw it. */
export interface ReadRecord {
  offset: number;
  value: string;
}

/** One record of a poll: consumers read several partitions at once. */
export interface PolledRecord extends ReadRecord {
  partition: number;
}

/** A producer's send(), recorded when it settled. */
export interface SendEvent {
  type: 'send';
  /** "producer-1". */
  process: string;
  partition: number;
  /** Unique in the run: "p1-42" is producer 1's 43rd send. */
  value: string;
  outcome: Outcome;
  /** The offset the leader acknowledged (acked sends only). */
  offset?: number;
  /** Why it failed, or why its outcome is unknown. */
  error?: string;
  /** When send() was called (ms since the run began); `time` is when it settled. */
  sentAt: number;
}

/** Records one consumer was handed in one go, in the order it was handed them. */
export interface PollEvent {
  type: 'poll';
  /** "consumer-1"; a consumer that had to be replaced comes back as a new process. */
  process: string;
  records: PolledRecord[];
}

/** The consumer's group gave it a new generation and share: it resumes from committed offsets. */
export interface RebalanceEvent {
  type: 'rebalance';
  process: string;
  /** What the consumer said about it ("Joined group … in generation 3: assigned chaos-0, chaos-2"). */
  detail: string;
}

/** What the nemesis did to the cluster, and what the cluster did in answer. */
export interface NemesisEvent {
  type: 'nemesis';
  /** kill: SIGKILL; pause: SIGSTOP; resume: SIGCONT; restart: a killed broker started again; elected: a partition got a new leader; healed: every replica back in sync. */
  action: 'kill' | 'pause' | 'resume' | 'restart' | 'elected' | 'healed';
  /** The broker acted on (0 for cluster-wide events such as healed). */
  broker: number;
  detail: string;
}

/** Something a client said that a reader of the history should know (a consumer that crashed and was replaced, a reset). */
export interface NoteEvent {
  type: 'note';
  process: string;
  detail: string;
}

/** A partition read from the beginning at the end of the run. */
export interface FinalReadEvent {
  type: 'final-read';
  /** "consumer" (through the cluster, as a client reads), or "replica 2" (broker 2's log on disk). */
  source: string;
  partition: number;
  records: ReadRecord[];
}

export type EventBody = SendEvent | PollEvent | RebalanceEvent | NemesisEvent | NoteEvent | FinalReadEvent;

/** Every event has its place in the history and the time it happened, in ms since the run began. */
export type HistoryEvent = EventBody & { index: number; time: number };

export interface History {
  topic: string;
  partitions: number;
  /** The PRNG seed the nemesis used (`--seed N` replays its choices). */
  seed?: number;
  events: HistoryEvent[];
}

/** Builds a history as things happen; `record` stamps each event with its index and time. */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private readonly startedAt: number;

  constructor(
    readonly topic: string,
    readonly partitions: number,
    readonly seed?: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Milliseconds since the run began. */
  elapsed(): number {
    return this.now() - this.startedAt;
  }

  record<E extends EventBody>(event: E): E & { index: number; time: number } {
    const stamped = { ...event, index: this.events.length, time: this.elapsed() };
    this.events.push(stamped);
    return stamped;
  }

  history(): History {
    return { topic: this.topic, partitions: this.partitions, ...(this.seed === undefined ? {} : { seed: this.seed }), events: this.events };
  }
}
