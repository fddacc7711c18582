// AlterPartition: a leader asks the controller to change its partition's ISR (KRaft's
// AlterPartition, once AlterIsr). The leader does not change the ISR on its own authority: the
// controller must always know whom it may elect. A request from a leader of an older epoch, or
// based on an older version of the partition, is refused: it comes from a leader that has been
// replaced, or that missed a change.
//> step 09 given
//
// It travels under Kafka's api key 56, version 0, but with only the fields this workshop needs
// (one partition per request) and in the non-flexible encoding of the other requests here:
// Kafka's own version 0 is flexible, carries the broker's epoch too, and takes many partitions at once.
import type { ApiCodec } from './api.ts';
import { atLeast, nonEmpty } from './checks.ts';
import { errorCode, errorFromCode } from './errors.ts';
import { array, int16, int32, string, struct, type Infer } from './types.ts';
//<

export interface AlterPartitionRequest {
  type: 'alterPartition';
  correlationId: number;
  brokerId: number;
  topic: string;
  partition: number;
  leaderEpoch: number;
  /** The version of the partition's state the leader saw (grows with every change). */
  partitionEpoch: number;
  newIsr: number[];
}

export interface AlterPartitionResponse {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  isr: number[];
}

//> step 09 rewrites: the request travels under Kafka's AlterPartition api key, in binary
const requestV0 = struct({ brokerId: int32, topic: string, partition: int32, leaderEpoch: int32, partitionEpoch: int32, newIsr: array(int32) });
const responseV0 = struct({ errorCode: int16, leader: int32, leaderEpoch: int32, partitionEpoch: int32, isr: array(int32) });

export const alterPartitionApi: ApiCodec<Omit<AlterPartitionRequest, 'correlationId'>, AlterPartitionResponse, Infer<typeof requestV0>, Infer<typeof responseV0>> = {
  key: 56,
  kafkaName: 'AlterPartition',
  minVersion: 0,
  maxVersion: 0,
  requestSchema: () => requestV0,
  responseSchema: () => responseV0,
  requestFromWire: (wire) => ({
    type: 'alterPartition',
    brokerId: atLeast(0, wire.brokerId, 'broker_id'),
    topic: nonEmpty(wire.topic, 'topic'),
    partition: atLeast(0, wire.partition, 'partition'),
    leaderEpoch: atLeast(0, wire.leaderEpoch, 'leader_epoch'),
    partitionEpoch: atLeast(0, wire.partitionEpoch, 'partition_epoch'),
    newIsr: wire.newIsr.map((id, i) => atLeast(0, id, `new_isr[${i}]`)),
  }),
  requestToWire: ({ brokerId, topic, partition, leaderEpoch, partitionEpoch, newIsr }) => ({ brokerId, topic, partition, leaderEpoch, partitionEpoch, newIsr }),
  responseToWire: (response) =>
    'error' in response
      ? { errorCode: errorCode(response.error), leader: -1, leaderEpoch: -1, partitionEpoch: -1, isr: [] }
      : { errorCode: 0, leader: response.leader, leaderEpoch: response.leaderEpoch, partitionEpoch: response.partitionEpoch, isr: response.isr },
  responseFromWire({ errorCode: code, leader, leaderEpoch, partitionEpoch, isr }) {
    const error = errorFromCode(code);
    return error ? { error } : { leader, leaderEpoch, partitionEpoch, isr };
  },
};
//<
