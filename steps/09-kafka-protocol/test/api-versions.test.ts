// Task 6: the request header and ApiVersions. A Kafka client's first request on any connection
// asks which requests, in which versions, the broker speaks; everything after depends on the answer.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { FrameDecoder, Reader, array, encode, int8, int16, int32, int64, string, struct } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { within } from '#lib/testing/wait.ts';
import { startLoggedBroker } from './helpers.ts';

const cleanup = useCleanup();
const tempDir = useTempDirs();

/** A raw connection: frames out, frames in, in order. */
async function rawConnection(port: number) {
  const socket = cleanup(net.connect(port, '127.0.0.1'));
  const decoder = new FrameDecoder();
  const frames: Buffer[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  socket.on('data', (chunk) => {
    frames.push(...decoder.push(chunk));
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    send(apiKey: number, apiVersion: number, correlationId: number, body: Buffer = Buffer.alloc(0)) {
      const header = encode(struct({ apiKey: int16, apiVersion: int16, correlationId: int32 }), { apiKey, apiVersion, correlationId });
      const clientId = encode(string, 'test');
      const payload = Buffer.concat([header, clientId, body]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(payload.length);
      socket.write(Buffer.concat([size, payload]));
    },
    async next(what: string): Promise<Buffer> {
      await within(
        new Promise<void>((resolve) => {
          if (frames.length > 0 || closed) resolve();
          else wake = resolve;
        }),
        5_000,
        `no answer to ${what} within 5 s`,
      );
      wake = null;
      const frame = frames.shift();
      if (!frame) throw new Error(`the broker closed the connection instead of answering ${what}`);
      return frame;
    },
    get closed() {
      return closed;
    },
  };
}

const apiVersionsV0 = struct({ errorCode: int16, apiKeys: array(struct({ apiKey: int16, minVersion: int16, maxVersion: int16 })) });

function readApiVersions(frame: Buffer) {
  const reader = new Reader(frame);
  const correlationId = reader.int32();
  return { correlationId, ...apiVersionsV0.read(reader, 'ApiVersions response') };
}

/** Every api a broker must advertise, with Kafka's key: the versions kafkajs 2.2.4, librdkafka 2.0 and kafka-python 2.0.2 use. */
const EXPECTED = new Map([
  [0, [0, 3]], // Produce: advertised from 0, as Kafka 4 does (librdkafka compresses only then), served from 3
  [1, [4, 4]], // Fetch
  [2, [1, 1]], // ListOffsets
  [3, [0, 4]], // Metadata
  [8, [2, 2]], // OffsetCommit
  [9, [1, 1]], // OffsetFetch
  [10, [0, 0]], // FindCoordinator
  [11, [2, 2]], // JoinGroup
  [12, [1, 1]], // Heartbeat
  [13, [1, 1]], // LeaveGroup
  [14, [1, 1]], // SyncGroup
  [15, [0, 0]], // DescribeGroups (the dashboard's; kafka-python's and KafkaJS's admins ask it too)
  [16, [0, 0]], // ListGroups
  [18, [0, 2]], // ApiVersions
  [19, [0, 3]], // CreateTopics
  [23, [3, 3]], // OffsetsForLeaderEpoch
]);

describe('request header and ApiVersions', () => {
  test('task 6: ApiVersions v0, v1 and v2 are answered with the same correlation id and every api the broker speaks', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    const connection = await rawConnection(started.port);
    for (const version of [0, 1, 2]) {
      connection.send(18, version, 100 + version);
      const frame = await connection.next(`ApiVersions v${version}`);
      const reader = new Reader(frame);
      expect(reader.int32(), 'the response header is the request\'s correlation id').toBe(100 + version);
      const { errorCode, apiKeys } = apiVersionsV0.read(reader, 'ApiVersions response');
      expect(errorCode).toBe(0);
      const advertised = new Map(apiKeys.map(({ apiKey, minVersion, maxVersion }) => [apiKey, [minVersion, maxVersion]]));
      expect(advertised, 'advertise exactly what is implemented').toEqual(EXPECTED);
      // v1 and v2 end with throttle_time_ms; v0 ends after the list.
      expect(reader.remaining, `bytes after the api list in a v${version} answer`).toBe(version === 0 ? 0 : 4);
    }
  });

  test('task 6: an ApiVersions version the broker does not speak gets UNSUPPORTED_VERSION with the versions it does, and the connection stays open', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    const connection = await rawConnection(started.port);
    // librdkafka asks ApiVersions v3 first (a flexible body: client name and version, tagged fields).
    connection.send(18, 3, 7, Buffer.from('0c6c696272646b61666b6106322e302e3200', 'hex'));
    const answer = readApiVersions(await connection.next('ApiVersions v3'));
    expect(answer.correlationId).toBe(7);
    expect(answer.errorCode, 'UNSUPPORTED_VERSION is error code 35').toBe(35);
    expect(answer.apiKeys.find(({ apiKey }) => apiKey === 18), 'the answer still lists ApiVersions 0..2, so the client can ask again').toEqual({ apiKey: 18, minVersion: 0, maxVersion: 2 });
    connection.send(18, 2, 10);
    expect(readApiVersions(await connection.next('ApiVersions v2 after the refusal')).errorCode, 'the connection still works').toBe(0);
  });

  test('task 6: any other request in a version the broker does not speak closes that connection, as in Kafka, with the reason in the broker log', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    // Produce v9 (too new), Produce v2 (advertised, as Kafka 4 does, but refused) and an api key nobody has.
    for (const [apiKey, version, what, logged] of [[0, 9, 'Produce v9', /Produce v9.*v3 to v3/], [0, 2, 'Produce v2', /Produce v2.*v3 to v3/], [999, 0, 'api key 999', /api key 999/]] as const) {
      const connection = await rawConnection(started.port);
      connection.send(apiKey, version, 8);
      await expect(connection.next(what), `${what}: only ApiVersions is answered UNSUPPORTED_VERSION; anything else is an invalid request`).rejects.toThrow(/closed the connection/);
      expect(started.lines.join('\n'), `the broker log says why it closed the connection after ${what}`).toMatch(logged);
    }
    const good = await rawConnection(started.port);
    good.send(18, 0, 2);
    expect(readApiVersions(await good.next('ApiVersions on another connection')).errorCode, 'every other client is served as before').toBe(0);
  });

  test('task 6: a request the broker cannot read closes that connection only, with the reason in the broker log', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    const bad = await rawConnection(started.port);
    // Metadata v1 announcing 1000 topics, with none of them there.
    bad.send(3, 1, 1, Buffer.from('000003e8', 'hex'));
    await expect(bad.next('a Metadata request with a lying topic count')).rejects.toThrow(/closed the connection/);
    expect(started.lines.join('\n'), 'the broker log says why it hung up').toMatch(/Metadata v1.*1000/);
    const good = await rawConnection(started.port);
    good.send(18, 0, 2);
    expect(readApiVersions(await good.next('ApiVersions on another connection')).errorCode).toBe(0);
  });

  test('task 6: requests on one connection are answered strictly in the order they were sent', async () => {
    const started = await startLoggedBroker(tempDir());
    cleanup(started.broker);
    await started.ask({ type: 'createTopics', topics: [{ name: 'ordered', partitions: 1 }] });
    const connection = await rawConnection(started.port);
    // A Fetch v4 that waits 300 ms for data that never comes, then an ApiVersions that needs no wait.
    const fetchV4 = struct({ replicaId: int32, maxWaitMs: int32, minBytes: int32, maxBytes: int32, isolationLevel: int8, topics: array(struct({ topic: string, partitions: array(struct({ partition: int32, fetchOffset: int64, partitionMaxBytes: int32 })) })) });
    const fetchBody = encode(fetchV4, { replicaId: -1, maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic: 'ordered', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }] });
    connection.send(1, 4, 1, fetchBody);
    connection.send(18, 0, 2);
    const first = new Reader(await connection.next('the fetch')).int32();
    const second = new Reader(await connection.next('the ApiVersions')).int32();
    expect([first, second], 'Kafka answers one connection\'s requests in order (kafka-python relies on it)').toEqual([1, 2]);
  });
});
