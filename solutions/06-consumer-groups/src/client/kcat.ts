// A small kcat (formerly kafkacat): the Swiss army knife of Kafka, built on this step's clients.
//
//   npm run kcat -- -b 127.0.0.1:9092 -L                  metadata, in kafkacat's layout
//   npm run kcat -- -b 127.0.0.1:9092 -P -t numtest       each line of stdin becomes a record
//   npm run kcat -- -b 127.0.0.1:9092 -C -t numtest -e    print every record, exit at the end
//
// Flags as kafkacat's: -b brokers, -t topic, -p partition, -o beginning|end|N|-N|s@MS (start
// offset; -N counts back from the end; s@MS starts at the first record at or after MS, a time in
// ms since the epoch), -o e@MS (a second -o: stop each partition before its first record that
// late), -e (exit once every partition is read to its end).
// From step 06: -G <group> <topic>… consumes as a member of a consumer group (kafkacat's
// "balanced consumer"): start two and watch them split the partitions.
// `kcat(argv, io)` takes its input and output as arguments, so tests can run it without a terminal.
import { Cluster } from './cluster.ts';
import { parseHostPort } from '../network/connection.ts';
import { KafkaConsumer } from './consumer.ts';
import type { TopicPartition } from '../common/topic-partition.ts';
import { stringDeserializer } from './deserializers.ts';
import { KafkaProducer } from './producer.ts';
import { LATEST_TIMESTAMP } from '../protocol/index.ts';

export interface KcatIo {
  /** Lines to produce with -P (process.stdin in a terminal). */
  stdin: AsyncIterable<string | Buffer>;
  /** Records and metadata go here (process.stdout). */
  stdout: (text: string) => void;
  /** "% …" messages go here, as kafkacat writes them (process.stderr). */
  stderr: (text: string) => void;
  /** Stops a consumer started without -e (Ctrl-C in a terminal). */
  signal?: AbortSignal;
}

//> step 06 rewrites: -G adds a mode and the topics that follow the group
export interface KcatArgs {
  mode: 'L' | 'P' | 'C' | 'G';
  brokers: string[];
  topic?: string;
  partition?: number;
  offset: string;
  /** -o e@<ms>: each partition stops before its first record at or after this time. */
  stopAt?: number;
  exitAtEnd: boolean;
  /** -G: the consumer group, and the topics that follow it. */
  group?: string;
  groupTopics: string[];
}

const USAGE = `Usage: npm run kcat -- -b <host:port> (-L | -P | -C) [-t <topic>] [-p <partition>] [-o beginning|end|<offset>|-<count>|s@<ms>] [-o e@<ms>] [-e]
       npm run kcat -- -b <host:port> -G <group> <topic>... [-o beginning|end]
  -L  list brokers and topics       -P  produce stdin, one record per line       -C  consume
  -G  consume as a member of a consumer group (Ctrl-C leaves the group)
  for example: npm run kcat -- -b 127.0.0.1:9092 -C -t numtest -o beginning -e`;
//<

/** Thrown for command lines kcat cannot run; the message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs one kcat command; resolves with the exit code. */
export async function kcat(argv: string[], io: KcatIo): Promise<number> {
  let args: KcatArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`% ERROR: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (args.mode === 'L') await listMetadata(args, io);
    else if (args.mode === 'P') await produce(args, io);
    //> step 06 rewrites: the arguments start with no group topics
    else if (args.mode === 'G') await consumeInGroup(args, io);
    else await consume(args, io);
    return 0;
  } catch (error) {
    io.stderr(`% ERROR: ${(error as Error).message}\n`);
    return 1;
  }
}

export function parseArgs(argv: string[]): KcatArgs {
  let mode: KcatArgs['mode'] | undefined;
  const args: Omit<KcatArgs, 'mode'> = { brokers: [], offset: 'beginning', exitAtEnd: false, groupTopics: [] };
  //<
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '-L' || flag === '-P' || flag === '-C') {
      if (mode && mode !== flag[1]) throw new UsageError(`pick one mode: -L, -P or -C, not both -${mode} and ${flag}`);
      mode = flag[1] as KcatArgs['mode'];
    } else if (flag === '-b') args.brokers.push(...value().split(','));
    else if (flag === '-t') args.topic = value();
    else if (flag === '-p') {
      const partition = Number(value());
      if (!Number.isInteger(partition) || partition < 0) throw new UsageError(`-p takes a partition number from 0 up, got "${argv[i]}"`);
      args.partition = partition;
    } else if (flag === '-o') {
      const offset = value();
      if (/^e@\d+$/.test(offset)) args.stopAt = Number(offset.slice(2));
      else if (/^(beginning|end|-?\d+|s@\d+)$/.test(offset)) args.offset = offset;
      else throw new UsageError(`-o takes beginning, end, an offset, -<count> from the end, s@<ms> or e@<ms> (a time in ms since the epoch to start or stop at), got "${offset}"`);
    } else if (flag === '-e') args.exitAtEnd = true;
    //> step 06 rewrites: -G takes its topics after the group, not from -t
    else if (flag === '-G') {
      if (mode && mode !== 'G') throw new UsageError(`pick one mode: -G or -${mode}, not both`);
      mode = 'G';
      args.group = value();
    } else if (mode === 'G' && !flag.startsWith('-')) args.groupTopics.push(flag);
    else throw new UsageError(`unknown option "${flag}"`);
  }
  if (mode === 'G') {
    if (args.topic) args.groupTopics.push(args.topic);
    if (args.groupTopics.length === 0) throw new UsageError('-G needs the topics after the group: -G <group> <topic> [<topic>…]');
    if (args.exitAtEnd || args.partition !== undefined || !['beginning', 'end'].includes(args.offset)) {
      throw new UsageError('with -G the group decides partitions and positions: -e, -p and numeric -o do not apply (-o beginning|end says where a group without commits starts)');
    }
  }
  if (args.brokers.length === 0) throw new UsageError('say which broker to ask with -b, for example -b 127.0.0.1:9092');
  if (!mode) {
    // Like kafkacat: with a topic and no mode, consume.
    if (!args.topic) throw new UsageError('pick a mode: -L, -P or -C');
    mode = 'C';
  }
  if (mode !== 'L' && mode !== 'G' && !args.topic) throw new UsageError(`-${mode} needs a topic: -t <topic>`);
  //<
  return { mode, ...args };
}

// #region list
/** -L: the brokers and every topic's partitions, laid out exactly as kafkacat prints them. */
async function listMetadata(args: KcatArgs, io: KcatIo): Promise<void> {
  const server = args.brokers[0]!;
  const { port } = parseHostPort(server);
  const cluster = new Cluster(args.brokers);
  try {
    const meta = await cluster.refreshMetadata(args.topic ? [args.topic] : undefined);
    // kafkacat names the broker that answered as "host:port/id" (or "/bootstrap" when it cannot tell).
    const answered = meta.brokers.find((broker) => broker.port === port);
    const lines = [
      `Metadata for ${args.topic ?? 'all topics'} (from broker ${answered?.id ?? -1}: ${server}/${answered?.id ?? 'bootstrap'}):`,
      ` ${meta.brokers.length} brokers:`,
      ...meta.brokers.map((broker) => `  broker ${broker.id} at ${broker.host}:${broker.port}${broker.id === meta.controllerId ? ' (controller)' : ''}`),
      ` ${meta.topics.length} topics:`,
    ];
    for (const topic of meta.topics) {
      lines.push(`  topic "${topic.name}" with ${topic.partitions.length} partitions:${topic.error ? ` ${topic.error.code}: ${topic.error.message}` : ''}`);
      for (const { partition, leader, replicas, isr } of topic.partitions) {
        lines.push(`    partition ${partition}, leader ${leader}, replicas: ${replicas.join(',')}, isrs: ${isr.join(',')}`);
      }
    }
    io.stdout(`${lines.join('\n')}\n`);
  } finally {
    await cluster.close();
  }
}
// #endregion list

/** -P: every line of stdin becomes one record (its value); empty lines are skipped, as kafkacat does. */
async function produce(args: KcatArgs, io: KcatIo): Promise<void> {
  const producer = new KafkaProducer({ bootstrapServers: args.brokers });
  const sends: Array<Promise<unknown>> = [];
  try {
    let pending = '';
    const sendLine = (line: string) => {
      if (line !== '') sends.push(producer.send(args.topic!, { value: line, ...(args.partition === undefined ? {} : { partition: args.partition }) }));
    };
    for await (const chunk of io.stdin) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop()!; // the last piece may be half a line: wait for the rest
      lines.forEach(sendLine);
    }
    sendLine(pending);
    await Promise.all(sends);
  } finally {
    await producer.close();
  }
}

/** -C: prints each record's value on its own line; with -e, stops once every partition is read to its end. */
async function consume(args: KcatArgs, io: KcatIo): Promise<void> {
  const topic = args.topic!;
  const consumer = new KafkaConsumer(topic, {
    bootstrapServers: args.brokers,
    autoOffsetReset: args.offset === 'end' ? 'latest' : 'earliest',
    valueDeserializer: stringDeserializer,
  });
  const stop = () => void consumer.close();
  io.signal?.addEventListener('abort', stop);
  try {
    await consumer.position({ topic, partition: 0 }); // learns the topic's partitions
    const ends = await endOffsets(args.brokers, topic, consumer.assignment());
    const shown = (partition: number) => args.partition === undefined || partition === args.partition;
    if (![...ends.keys()].some(shown)) throw new Error(`topic "${topic}" has no partition ${args.partition}`);
    // -o s@<ms>: where that time begins in each partition; at its end where no record is that late.
    const time = /^s@(\d+)$/.exec(args.offset)?.[1];
    const byTime = time === undefined ? [] : await consumer.offsetsForTimes([...ends.keys()].map((partition) => ({ topic, partition, timestamp: Number(time) })));
    for (const [partition, end] of ends) {
      // A consumer without a group reads every partition: park the ones not asked for at their end.
      if (!shown(partition)) consumer.seek({ topic, partition }, end);
      else if (time !== undefined) consumer.seek({ topic, partition }, byTime.find((answer) => answer.partition === partition)?.found?.offset ?? end);
      else if (/^\d+$/.test(args.offset)) consumer.seek({ topic, partition }, Math.min(Number(args.offset), end));
      else if (args.offset.startsWith('-')) consumer.seek({ topic, partition }, Math.max(0, end + Number(args.offset)));
    }
    // The partitions still to read: with -e, up to the end they had when we started; with
    // -o e@<ms>, up to their first record that late. kcat stops once none is left.
    const unfinished = new Set([...ends.keys()].filter(shown));
    const check = (partition: number, position: number) => {
      if (!args.exitAtEnd || position < ends.get(partition)! || !unfinished.delete(partition)) return;
      io.stderr(`% Reached end of topic ${topic} [${partition}] at offset ${position}\n`);
    };
    if (args.exitAtEnd) for (const partition of [...unfinished]) check(partition, await consumer.position({ topic, partition }));
    if (unfinished.size === 0) return;
    for await (const message of consumer) {
      if (!unfinished.has(message.partition)) continue;
      if (args.stopAt !== undefined && message.timestamp >= args.stopAt) unfinished.delete(message.partition);
      else {
        io.stdout(`${message.value ?? ''}\n`);
        check(message.partition, message.offset + 1);
      }
      if (unfinished.size === 0) return;
    }
  } finally {
    io.signal?.removeEventListener('abort', stop);
    await consumer.close();
  }
}

//> step 06 given
/** -G: one member of a consumer group; its log lines (joins, rebalances) go to stderr as "% …". */
async function consumeInGroup(args: KcatArgs, io: KcatIo): Promise<void> {
  const consumer = new KafkaConsumer(args.groupTopics, {
    bootstrapServers: args.brokers,
    groupId: args.group!,
    autoOffsetReset: args.offset === 'end' ? 'latest' : 'earliest',
    valueDeserializer: stringDeserializer,
    log: (line) => io.stderr(`% ${line}\n`),
  });
  // Closing commits what was printed and leaves the group. Ctrl-C starts it, which ends the loop;
  // kcat returns once it is done, and reports it if it fails.
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= consumer.close());
  const stop = () => void close().catch(() => {}); // awaited, and reported, below
  io.signal?.addEventListener('abort', stop);
  try {
    for await (const message of consumer) io.stdout(`${message.value ?? ''}\n`);
  } catch (error) {
    // The loop's error is the one to report: a close that fails as well must not hide it.
    await close().catch((failure: Error) => io.stderr(`% Closing failed too: ${failure.message}\n`));
    throw error;
  } finally {
    io.signal?.removeEventListener('abort', stop);
  }
  await close();
}
//<

/** Each partition's log end offset now (ListOffsets with the "latest" sentinel), asked of its leader. */
async function endOffsets(brokers: string[], topic: string, partitions: TopicPartition[]): Promise<Map<number, number>> {
  const cluster = new Cluster(brokers);
  try {
    await cluster.topic(topic); // learns each partition's leader
    const ends = new Map<number, number>();
    for (const leader of new Set(partitions.map((tp) => cluster.leaderOf(tp.topic, tp.partition) ?? -1))) {
      const led = partitions.filter((tp) => (cluster.leaderOf(tp.topic, tp.partition) ?? -1) === leader);
      const response = await cluster.connectionToBroker(leader).request({ type: 'listOffsets', partitions: led.map((tp) => ({ ...tp, timestamp: LATEST_TIMESTAMP })) });
      for (const { partition, offset } of response.partitions) ends.set(partition, offset);
    }
    return ends;
  } finally {
    await cluster.close();
  }
}
