// Where a new topic's copies go: Kafka's replica placement for a cluster without racks.
//
// Each partition gets `replicationFactor` replicas on as many different brokers; the first one
// listed is the preferred leader. Two things must spread evenly over the brokers: the leaders
// (every write goes through a leader) and the followers of any one broker's partitions (when a
// broker dies, the copies of what it led should be on many brokers, not all on one).
//
// Kafka's rule (AdminUtils.assignReplicasToBrokers): the leader of partition p is broker
// (start + p) mod n, walking round the sorted broker list. Its followers come after it at a
// distance 1 + (shift + j) mod (n - 1) for the j-th follower, so never on the leader itself; the
// shift grows by one each time the partitions have gone round all n brokers, so that the next
// round pairs each leader with other followers. Kafka picks `start` and `shift` at random, so
// that many small topics do not all put their first leader on the same broker.
import { KafkaError } from '../common/errors.ts';

/**
 * The replica list of each partition (index = partition number), first replica the leader.
 * `start` and `shift` are random by default, as in Kafka; tests fix them.
 */
export function assignReplicas(
  brokerIds: number[],
  partitions: number,
  replicationFactor: number,
  start = randomIndex(brokerIds.length),
  shift = randomIndex(brokerIds.length),
): number[][] {
  const brokers = [...new Set(brokerIds)].sort((a, b) => a - b);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new KafkaError('INVALID_REPLICATION_FACTOR', `a replication factor is a whole number from 1, not ${replicationFactor}`);
  }
  if (replicationFactor > brokers.length) {
    throw new KafkaError('INVALID_REPLICATION_FACTOR', `replication factor ${replicationFactor} is larger than the ${brokers.length} broker(s) in the cluster (${brokers.join(', ')}): each copy needs a broker of its own`);
  }
  const n = brokers.length;
  const assignment: number[][] = [];
  let nextShift = shift;
  for (let p = 0; p < partitions; p++) {
    // Once the partitions have gone round every broker, the followers move one further along.
    if (p > 0 && p % n === 0) nextShift++;
    const first = (start + p) % n;
    const replicas = [brokers[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[(first + 1 + ((nextShift + j) % (n - 1))) % n]!);
    assignment.push(replicas);
  }
  return assignment;
}

function randomIndex(n: number): number {
  return Math.floor(Math.random() * Math.max(n, 1));
}
