// How the controller changes a partition's state: KRaft's PartitionChangeBuilder. Each function
// takes the partition as it is and returns it as it must become, or null when nothing changes.
//
// Two rules hold everywhere:
// - a leader is only ever chosen from the ISR, among live brokers. A replica outside the ISR may
//   lack records that were acknowledged with acks=all; making it leader would lose them (an
//   "unclean" election, which Kafka refuses unless unclean.leader.election.enable is set);
// - every new leader gets a new leader epoch, and every change a new partition epoch. The epochs
//   are how everyone tells the current leader from one that was replaced.
import type { PartitionState } from '../metadata/metadata-image.ts';

type IsLive = (brokerId: number) => boolean;

/** The leader the rules allow: the first replica, in preference order, that is in the ISR and alive; -1 when none is. */
// #region elect
export function electLeader(state: PartitionState, isLive: IsLive): number {
  //> step 08 task 1: electLeader — the first replica in preference order that is in the ISR and alive, or -1
  return state.replicas.find((id) => state.isr.includes(id) && isLive(id)) ?? -1;
  //<
}
// #endregion elect

/** The state with a new leader (and so a new leader epoch), or with a new ISR only. */
function changed(state: PartitionState, { leader = state.leader, isr = state.isr }: { leader?: number; isr?: number[] }): PartitionState {
  return {
    ...state,
    leader,
    isr,
    leaderEpoch: leader === state.leader ? state.leaderEpoch : state.leaderEpoch + 1,
    partitionEpoch: state.partitionEpoch + 1,
  };
}

/**
 * A broker was fenced (it missed its heartbeats): it leaves the ISR, and if it led, the next
 * in-sync replica leads. When it was the last one in sync, the partition goes offline (leader
 * -1) and keeps that broker as its ISR: only it is sure to have every acknowledged record, so
 * only it may lead again when it comes back.
 */
// #region fenced
export function whenBrokerFenced(state: PartitionState, brokerId: number, isLive: IsLive): PartitionState | null {
  //> step 08 task 1: whenBrokerFenced — out of the ISR; a new leader from the ISR if it led; offline (leader -1, ISR kept) if it was the last
  if (!state.replicas.includes(brokerId) || (state.leader !== brokerId && !state.isr.includes(brokerId))) return null;
  const isr = state.isr.filter((id) => id !== brokerId);
  if (isr.length === 0) return state.leader === -1 ? null : changed(state, { leader: -1, isr: state.isr });
  const leader = state.leader === brokerId ? electLeader({ ...state, isr }, isLive) : state.leader;
  return changed(state, { leader, isr });
  //<
}
// #endregion fenced

/** A broker is back: an offline partition whose ISR holds it can lead again. */
export function whenBrokerUnfenced(state: PartitionState, isLive: IsLive): PartitionState | null {
  //> step 08 task 5 omit: whenBrokerUnfenced — an offline partition (leader -1) elects a leader again when one of its ISR is alive
  if (state.leader === -1) {
    const leader = electLeader(state, isLive);
    if (leader !== -1) return changed(state, { leader });
  }
  //<
  return null;
}

/**
 * Leadership goes back to the preferred replica (the first) once it is alive and in sync again,
 * so that leaders stay spread over the brokers as placement made them: Kafka's
 * auto.leader.rebalance.enable.
 */
// #region preferred
export function preferredLeaderChange(state: PartitionState, isLive: IsLive): PartitionState | null {
  const preferred = state.replicas[0]!;
  //> step 08 task 5 omit: preferredLeaderChange — the first replica leads again once it is alive and in the ISR, and does not lead already
  if (state.leader !== preferred && state.isr.includes(preferred) && isLive(preferred)) return changed(state, { leader: preferred });
  //<
  return null;
}
// #endregion preferred

/** A leader's AlterPartition, once checked: the new ISR (the leader stays). */
export function withIsr(state: PartitionState, isr: number[]): PartitionState {
  return changed(state, { isr: state.replicas.filter((id) => isr.includes(id)) });
}
