// What the dashboard knows of a cluster at one moment: the poller (poller.ts) builds one a few
// times a second, the differ (events.ts) turns two in a row into timeline events, and the page
// (page/dashboard.js) draws the newest. Plain data, sent to the page as JSON.

/** alive: answers. fenced: answers, but the controller has taken it out of the cluster (step 08 on).
 * paused: stopped with SIGSTOP by the launcher. dead: no answer (or its process has exited). */
export type BrokerStatus = 'alive' | 'fenced' | 'paused' | 'dead';

export interface BrokerView {
  id: number;
  host: string;
  port: number;
  status: BrokerStatus;
  /** Why it has that status, in words ("connection refused", "exited: SIGKILL"). */
  detail: string;
  /** The process's pid, when the launcher started it. */
  pid: number | null;
}

export interface ControllerView {
  id: number;
  host: string;
  port: number;
  status: 'alive' | 'paused' | 'dead';
  detail: string;
  pid: number | null;
}

export interface ReplicaView {
  id: number;
  /** Its log end offset, as the broker holding it says (describeReplicas); null when unknown. */
  logEndOffset: number | null;
  inIsr: boolean;
  leader: boolean;
  /** Whether the broker holding it answers. */
  reachable: boolean;
}

export interface PartitionView {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  replicas: ReplicaView[];
  isr: number[];
  /** From step 08 on; null before. */
  leaderEpoch: number | null;
  /** The leader's high watermark; null when the leader does not answer. */
  highWatermark: number | null;
}

export interface TopicView {
  name: string;
  partitions: PartitionView[];
}

export interface GroupView {
  groupId: string;
  state: string;
  protocolName: string;
  /** null where the step's DescribeGroups has none (Kafka's has none; step 09 speaks Kafka's). */
  generationId: number | null;
  coordinator: number | null;
  members: Array<{ memberId: string; partitions: string[] }>;
  /** Per partition with a committed offset: committed, the high watermark and the lag between. */
  offsets: Array<{ topic: string; partition: number; committed: number; end: number | null; lag: number | null }>;
}

/** What the step's brokers can say; the page shows what is missing and why. */
export interface Capabilities {
  /** Step 08 on: a controller process, fencing, leader epochs. */
  controller: boolean;
  /** The describeReplicas request (step 07 on): each replica's log end offset. */
  replicas: boolean;
  /** The listGroups and describeGroups requests (step 06 on). */
  groups: boolean;
  /** Whether describeGroups carries the generation (the workshop's JSON does; Kafka's does not). */
  generation: boolean;
  /** Whether the page may kill, pause and restart brokers (started by the launcher). */
  control: boolean;
}

export interface Snapshot {
  /** When it was taken (ms since the epoch). */
  time: number;
  /** "08-controller", and whether it is the reference or the student's code. */
  step: string;
  source: string;
  capabilities: Capabilities;
  /** Lines saying what the page cannot show, and why. */
  notes: string[];
  brokers: BrokerView[];
  controller: ControllerView | null;
  topics: TopicView[];
  groups: GroupView[];
  /** Requests that failed in this poll, for the page's footer (not events). */
  problems: string[];
}

export type EventKind = 'broker' | 'election' | 'isr-shrink' | 'isr-expand' | 'rebalance' | 'group' | 'topic' | 'control';

export interface TimelineEvent {
  time: number;
  kind: EventKind;
  text: string;
}
