// DescribeReplicas: the workshop's own request. For every partition this broker holds a replica
// of, whether it leads it, its log end offset and its high watermark. Kafka's clients have no
// request like it (DescribeLogDirs and the controller's DescribeQuorum come closest); the
// dashboard (npm run dashboard) asks every broker, to draw each replica's log end offset against
// the high watermark.
//> step 09 given
//
// On Kafka's wire it needs an api key, and Kafka has none for it: it takes DESCRIBE_REPLICAS_KEY,
// far above any key Kafka uses. ApiVersions does not advertise it (no Kafka client could use it,
// and kafka-python judges a broker's age by what it advertises); the broker answers it all the same.
import type { ApiCodec } from './api.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, boolean, int16, int32, int64, string, struct, type Infer } from './types.ts';
//<

export interface DescribeReplicasRequest {
  type: 'describeReplicas';
  correlationId: number;
}

export interface ReplicaState {
  topic: string;
  partition: number;
  /** Whether this broker leads the partition (as far as it knows). */
  leader: boolean;
  /** The offset its next record will get: one past the last it holds. */
  logEndOffset: number;
  /** Consumers read up to here; on a follower, the leader's as last heard. */
  highWatermark: number;
}

export interface DescribeReplicasResponse {
  brokerId: number;
  replicas: ReplicaState[];
}

//> step 09 rewrites: the request is the workshop's own api on Kafka's wire
/** The workshop's own api key: Kafka's keys are all below 100. */
export const DESCRIBE_REPLICAS_KEY = 10_000;
const requestV0 = struct({});
const replicaV0 = struct({ topic: string, partition: int32, leader: boolean, logEndOffset: int64, highWatermark: int64 });
const responseV0 = struct({ errorCode: int16, brokerId: int32, replicas: array(replicaV0) });

export const describeReplicasApi: ApiCodec<Omit<DescribeReplicasRequest, 'correlationId'>, DescribeReplicasResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: DESCRIBE_REPLICAS_KEY,
  kafkaName: 'DescribeReplicas (the workshop\'s own)',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: () => ({ type: 'describeReplicas' }),
  requestToWire: () => ({}),
  responseToWire: (response) => ('error' in response ? { errorCode: errorCode(response.error), brokerId: -1, replicas: [] } : { errorCode: 0, brokerId: response.brokerId, replicas: response.replicas }),
  responseFromWire(wire) {
    const error = errorFromCode(wire.errorCode);
    return error ? { error } : { brokerId: wire.brokerId, replicas: wire.replicas };
  },
};
//<
