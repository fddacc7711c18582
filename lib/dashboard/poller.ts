// The dashboard's view of a cluster, built only from the step's own client code and requests: its
// Connection, sending metadata, describeReplicas (each broker's replicas: log end offset, high
// watermark), listGroups, findCoordinator, describeGroups, offsetFetch and listOffsets. Each poll
// asks every broker it knows with a short deadline, so that a dead or paused broker costs one
// timeout and no more.
import net from 'node:net';
import type { BrokerStatus, BrokerView, Capabilities, ControllerView, GroupView, PartitionView, ReplicaView, Snapshot, TopicView } from './snapshot.ts';
import { has } from '../step-features.ts';
import type { StepApi, StepConnection } from '../step-api.ts';

/** What the poller takes from a step's src/index.ts (the same in steps 05–09). */
export type DashboardApi = Pick<StepApi, 'Connection' | 'decodeAssignment'>;

/** A process the launcher started, as it knows it: whether it runs, is paused, or has exited. */
export interface ProcessState {
  id: number;
  host: string;
  port: number;
  pid: number | null;
  state: 'running' | 'paused' | 'exited' | 'starting';
  detail: string;
}

export interface PollerOptions {
  api: DashboardApi;
  /** The step's number and name ("08-controller"); says what the brokers can do. */
  step: { number: number; name: string };
  source: string;
  /** host:port of brokers to start from; ids are learnt from their answers. */
  bootstrap: Array<{ host: string; port: number }>;
  /** The controller process (step 08 on), when known. */
  controller?: { id: number; host: string; port: number } | null;
  /** From the launcher: the processes it started, right now. */
  processes?: () => { brokers: ProcessState[]; controller: ProcessState | null };
  /** How long one request may take before its broker counts as not answering. */
  requestTimeoutMs?: number;
}

const INTERNAL_TOPIC = /^__/;

interface Metadata {
  brokers: Array<{ id: number; host: string; port: number }>;
  controllerId?: number;
  topics: Array<{ name: string; error?: unknown; partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; leaderEpoch?: number }> }>;
}
interface ReplicaState {
  topic: string;
  partition: number;
  leader: boolean;
  logEndOffset: number;
  highWatermark: number;
}

export class Poller {
  private readonly connections = new Map<string, StepConnection>();
  /** Every broker seen, by id, with its address. */
  private readonly known = new Map<number, { host: string; port: number }>();
  private readonly timeoutMs: number;
  private readonly unsupported = new Set<string>();
  private closed = false;
  private epochsSeen = true;
  /** Every group id listGroups ever gave. */
  private readonly seenGroups = new Set<string>();

  constructor(private readonly options: PollerOptions) {
    this.timeoutMs = options.requestTimeoutMs ?? 1000;
  }

  /** One look at the cluster. Never throws: what fails is in the snapshot's problems. */
  async poll(again = true): Promise<Snapshot> {
    const problems: string[] = [];
    const processes = this.options.processes?.();
    for (const process of processes?.brokers ?? []) this.known.set(process.id, { host: process.host, port: process.port });
    const byProcess = new Map((processes?.brokers ?? []).map((process) => [process.id, process]));

    // Every broker known, and the bootstrap addresses not yet known by id: describeReplicas
    // (metadata before step 07) is the liveness probe, and says who answers.
    const targets = new Map<string, { host: string; port: number }>();
    for (const address of [...this.known.values(), ...this.options.bootstrap]) targets.set(key(address), address);
    const answers = new Map<string, { replicas: ReplicaState[] | null; brokerId: number | null; metadata: Metadata | null; error: string | null }>();
    await Promise.all(
      [...targets.values()].map(async (address) => {
        const id = this.idOf(address);
        if (id !== null && byProcess.get(id) && byProcess.get(id)!.state !== 'running') {
          answers.set(key(address), { replicas: null, brokerId: id, metadata: null, error: byProcess.get(id)!.detail });
          return;
        }
        let replicas: ReplicaState[] | null = null;
        let brokerId: number | null = null;
        let metadata: Metadata | null = null;
        try {
          if (this.supports('describeReplicas')) {
            try {
              const answer = (await this.ask(address, { type: 'describeReplicas' })) as { brokerId: number; replicas: ReplicaState[] };
              replicas = answer.replicas;
              brokerId = answer.brokerId;
            } catch (error) {
              if (!this.markUnsupported('describeReplicas', error)) throw error;
            }
          }
          metadata = (await this.ask(address, { type: 'metadata' })) as Metadata;
          answers.set(key(address), { replicas, brokerId, metadata, error: null });
        } catch (error) {
          answers.set(key(address), { replicas, brokerId, metadata: null, error: describe(error) });
        }
      }),
    );

    // Metadata: the answer of the lowest-id broker that answered and is in its own answer's
    // broker list (a fenced broker's view may be stale).
    const answered = [...answers.entries()].filter(([, answer]) => answer.metadata !== null);
    for (const [address, answer] of answered) {
      for (const broker of answer.metadata!.brokers) this.known.set(broker.id, { host: broker.host, port: broker.port });
      if (answer.brokerId !== null && !this.known.has(answer.brokerId)) this.known.set(answer.brokerId, parseKey(address));
    }
    // Brokers first heard of in this answer (from the bootstrap's metadata) are asked at once, not a poll later.
    if (again && [...this.known.values()].some((address) => !answers.has(key(address)))) return this.poll(false);
    const ranked = answered
      .map(([address, answer]) => ({ id: this.idOf(parseKey(address)) ?? Number.MAX_SAFE_INTEGER, answer }))
      .sort((a, b) => a.id - b.id);
    const inOwnList = ranked.find(({ id, answer }) => answer.metadata!.brokers.some((broker) => broker.id === id));
    const metadata = (inOwnList ?? ranked[0])?.answer.metadata ?? null;
    if (!metadata) problems.push('no broker answers a metadata request');

    const step = this.options.step.number;
    const withController = has(step, 'controller');
    const listed = new Set(metadata?.brokers.map((broker) => broker.id) ?? []);
    const brokers: BrokerView[] = [...this.known.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, address]) => {
        const answer = answers.get(key(address));
        const process = byProcess.get(id);
        let status: BrokerStatus;
        let detail: string;
        if (process?.state === 'paused') [status, detail] = ['paused', 'SIGSTOP: the process is frozen'];
        else if (process && process.state !== 'running') [status, detail] = ['dead', process.detail];
        else if (!answer || answer.metadata === null) [status, detail] = ['dead', answer?.error ?? 'no answer'];
        else if (withController && metadata && !listed.has(id)) [status, detail] = ['fenced', 'answers, but the controller has not let it in (or has fenced it)'];
        else [status, detail] = ['alive', 'answers'];
        return { id, host: address.host, port: address.port, status, detail, pid: process?.pid ?? null };
      });

    // Each replica's log end offset, as its own broker says.
    const replicaStates = new Map<string, ReplicaState>();
    const reachable = new Set<number>();
    for (const broker of brokers) {
      const answer = answers.get(key(broker));
      if (answer?.metadata) reachable.add(broker.id);
      for (const replica of answer?.replicas ?? []) replicaStates.set(`${broker.id}/${replica.topic}/${replica.partition}`, replica);
    }
    const topics: TopicView[] = (metadata?.topics ?? [])
      .filter((topic) => !topic.error && !INTERNAL_TOPIC.test(topic.name))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((topic) => ({
        name: topic.name,
        partitions: [...topic.partitions]
          .sort((a, b) => a.partition - b.partition)
          .map((partition): PartitionView => {
            const state = (id: number) => replicaStates.get(`${id}/${topic.name}/${partition.partition}`);
            const replicas: ReplicaView[] = partition.replicas.map((id) => ({
              id,
              logEndOffset: reachable.has(id) ? (state(id)?.logEndOffset ?? null) : null,
              inIsr: partition.isr.includes(id),
              leader: id === partition.leader,
              reachable: reachable.has(id),
            }));
            const leaderState = reachable.has(partition.leader) ? state(partition.leader) : undefined;
            return { partition: partition.partition, leader: partition.leader, replicas, isr: partition.isr, leaderEpoch: partition.leaderEpoch ?? null, highWatermark: leaderState?.highWatermark ?? null };
          }),
      }));
    // Without describeReplicas, the high watermark is what listOffsets says at the leader.
    if (!this.supports('describeReplicas')) await this.highWatermarksFromListOffsets(topics, reachable, problems);

    const groups = await this.groups(brokers, topics, problems);
    const controller = this.controllerView(processes?.controller ?? null);
    this.epochsSeen = topics.some((topic) => topic.partitions.some((partition) => partition.leaderEpoch !== null)) || topics.length === 0;
    const capabilities: Capabilities = {
      controller: withController,
      replicas: this.supports('describeReplicas'),
      groups: this.supports('listGroups') && this.supports('describeGroups'),
      generation: groups.every((group) => group.generationId !== null),
      control: this.options.processes !== undefined,
    };
    return {
      time: Date.now(),
      step: this.options.step.name,
      source: this.options.source,
      capabilities,
      notes: this.notes(capabilities),
      brokers,
      controller: await controller,
      topics,
      groups,
      problems,
    };
  }

  private notes(capabilities: Capabilities): string[] {
    const notes: string[] = [];
    const step = this.options.step.number;
    if (!has(step, 'replication')) notes.push(`Step ${pad(step)} does not replicate: every partition has one replica (step 07 brings followers and the ISR).`);
    if (!capabilities.controller) notes.push(`Step ${pad(step)} has no controller: the layout is static, nobody fences a dead broker or elects a new leader (step 08 does).`);
    if (capabilities.controller && !this.epochsSeen) notes.push("No leader epochs: these brokers' metadata answer has none (Kafka's Metadata v0-4, which step 09 speaks, has none; v7 adds it).");
    if (!capabilities.replicas) notes.push(`These brokers do not answer describeReplicas: log end offsets are unknown, the high watermark comes from listOffsets.`);
    if (!capabilities.groups) notes.push(`These brokers do not answer listGroups/describeGroups: no consumer groups shown.`);
    else if (!capabilities.generation) notes.push("Kafka's DescribeGroups has no generation id, so none is shown (step 09 speaks Kafka's).");
    if (capabilities.controller && !this.options.controller) notes.push('The controller is not shown: name it with --controller host:port.');
    if (!capabilities.control) notes.push('Read-only: started without the launcher (npm run cluster -- --dashboard adds kill, pause and restart buttons).');
    return notes;
  }

  private async controllerView(process: ProcessState | null): Promise<ControllerView | null> {
    const known = this.options.controller;
    if (!known) return null;
    if (process && process.state !== 'running') {
      return { ...known, status: process.state === 'paused' ? 'paused' : 'dead', detail: process.detail, pid: process.pid };
    }
    // Its clients are brokers; any TCP answer says it listens.
    const listens = await connects(known.host, known.port, this.timeoutMs);
    return { ...known, status: listens ? 'alive' : 'dead', detail: listens ? 'listens' : 'no answer', pid: process?.pid ?? null };
  }

  private async highWatermarksFromListOffsets(topics: TopicView[], reachable: Set<number>, problems: string[]): Promise<void> {
    const byLeader = new Map<number, Array<{ topic: string; partition: PartitionView }>>();
    for (const topic of topics) for (const partition of topic.partitions) if (reachable.has(partition.leader)) byLeader.set(partition.leader, [...(byLeader.get(partition.leader) ?? []), { topic: topic.name, partition }]);
    await Promise.all(
      [...byLeader].map(async ([id, list]) => {
        try {
          const answer = (await this.ask(this.known.get(id)!, { type: 'listOffsets', partitions: list.map(({ topic, partition }) => ({ topic, partition: partition.partition, timestamp: -1 })) })) as { partitions: Array<{ topic: string; partition: number; offset: number; error?: unknown }> };
          for (const entry of answer.partitions) {
            const found = list.find(({ topic, partition }) => topic === entry.topic && partition.partition === entry.partition);
            if (found && !entry.error) found.partition.highWatermark = entry.offset;
          }
        } catch (error) {
          problems.push(`listOffsets at broker ${id}: ${describe(error)}`);
        }
      }),
    );
  }

  private async groups(brokers: BrokerView[], topics: TopicView[], problems: string[]): Promise<GroupView[]> {
    if (!this.supports('listGroups') || !this.supports('describeGroups')) return [];
    const up = brokers.filter((broker) => broker.status === 'alive' || broker.status === 'fenced');
    const ids = new Set<string>();
    await Promise.all(
      up.map(async (broker) => {
        try {
          const answer = (await this.ask(broker, { type: 'listGroups' })) as { groups: Array<{ groupId: string }> };
          for (const group of answer.groups) ids.add(group.groupId);
        } catch (error) {
          if (!this.markUnsupported('listGroups', error)) problems.push(`listGroups at broker ${broker.id}: ${describe(error)}`);
        }
      }),
    );
    // A group's coordinator moves with its __consumer_offsets partition; the new one lists a group
    // nobody has joined since as Empty, but a student's coordinator may not: keep asking about it.
    for (const id of ids) this.seenGroups.add(id);
    const listed = new Set(ids);
    for (const id of this.seenGroups) ids.add(id);
    const any = up.find((broker) => broker.status === 'alive') ?? up[0];
    if (!any || ids.size === 0) return [];
    const highWatermarks = new Map(topics.flatMap((topic) => topic.partitions.map((partition) => [`${topic.name}/${partition.partition}`, partition.highWatermark] as const)));
    const everyPartition = topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition: partition.partition })));
    const groups = await Promise.all(
      [...ids].sort().map(async (groupId): Promise<GroupView | null> => {
        try {
          const coordinator = (await this.ask(any, { type: 'findCoordinator', key: groupId })) as { nodeId: number; host: string; port: number };
          const at = { host: coordinator.host, port: coordinator.port };
          const described = (await this.ask(at, { type: 'describeGroups', groupIds: [groupId] })) as { groups: Array<{ groupId: string; state: string; protocolName: string; generationId?: number; members: Array<{ memberId: string; assignment: unknown }> }> };
          const group = described.groups[0];
          if (!group) return null;
          const fetched = (await this.ask(at, { type: 'offsetFetch', groupId, partitions: everyPartition })) as { partitions: Array<{ topic: string; partition: number; offset: number }> };
          const offsets = fetched.partitions
            .filter((entry) => entry.offset >= 0)
            .map(({ topic, partition, offset }) => {
              const end = highWatermarks.get(`${topic}/${partition}`) ?? null;
              return { topic, partition, committed: offset, end, lag: end === null ? null : Math.max(0, end - offset) };
            });
          if (!listed.has(groupId) && group.state === 'Dead' && offsets.length === 0) return null;
          const members = group.members.map((member) => ({ memberId: member.memberId, partitions: this.assigned(member.assignment) }));
          return { groupId, state: group.state, protocolName: group.protocolName, generationId: group.generationId ?? null, coordinator: coordinator.nodeId, members, offsets };
        } catch (error) {
          if (!this.markUnsupported('describeGroups', error)) problems.push(`group ${groupId}: ${describe(error)}`);
          return null;
        }
      }),
    );
    return groups.filter((group): group is GroupView => group !== null);
  }

  /** A member's assignment as "topic-partition" names, decoded by the step's own decodeAssignment. */
  private assigned(assignment: unknown): string[] {
    const decode = this.options.api.decodeAssignment;
    if (!decode || assignment === '' || assignment === null || assignment === undefined) return [];
    try {
      return decode(assignment as never).partitions.map(({ topic, partition }) => `${topic}-${partition}`);
    } catch {
      return ['?'];
    }
  }

  private idOf(address: { host: string; port: number }): number | null {
    for (const [id, known] of this.known) if (known.host === address.host && known.port === address.port) return id;
    return null;
  }

  private supports(type: string): boolean {
    return !this.unsupported.has(type);
  }

  /** True when the error says the broker (or the step's client) does not know this request type. */
  private markUnsupported(type: string, error: unknown): boolean {
    const text = describe(error);
    if (/unknown request type|INVALID_REQUEST.*understands|UNSUPPORTED_VERSION|is not a request|Cannot read properties of undefined/i.test(text)) {
      this.unsupported.add(type);
      return true;
    }
    return false;
  }

  /** One request to one broker, with a deadline; on any failure its connection is dropped (a new one next time). */
  private async ask(address: { host: string; port: number }, body: { type: string; [field: string]: unknown }): Promise<unknown> {
    if (this.closed) throw new Error('the dashboard is stopping');
    const name = key(address);
    let connection = this.connections.get(name);
    if (!connection) {
      connection = new this.options.api.Connection(address.host, address.port);
      this.connections.set(name, connection);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        connection.request(body),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs))),
      ]);
    } catch (error) {
      const kafkaError = typeof (error as { code?: unknown }).code === 'string' && (error as Error).name === 'KafkaError';
      if (!kafkaError) {
        this.connections.delete(name);
        void Promise.resolve(connection.close()).catch(() => {});
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((connection) => Promise.resolve(connection.close()).catch(() => {})));
  }
}

function key(address: { host: string; port: number }): string {
  return `${address.host}:${address.port}`;
}

function parseKey(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

function pad(step: number): string {
  return String(step).padStart(2, '0');
}

export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED/.test(message)) return 'connection refused';
  if (/ECONNRESET|EPIPE|closed the connection|connection closed/i.test(message)) return 'connection lost';
  return message.length > 80 ? `${message.slice(0, 77)}…` : message;
}

/** Whether a TCP connection to host:port opens within the deadline. */
function connects(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
