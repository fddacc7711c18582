import { describe, expect, test } from 'vitest';
import { decodeSubscription } from '../src/index.ts';
import { useCleanup } from '#lib/testing/cleanup.ts';
import { lengthPrefix, readFrames } from '#lib/testing/frames.ts';
import { connect } from '#lib/testing/net.ts';
import { useTempDirs } from '#lib/testing/temp-dir.ts';
import { waitFor, within } from '#lib/testing/wait.ts';
import type { Broker } from '../src/index.ts';
import { RawMember, WAIT_MS, errorCodeOf, membersOf, quietly, startBroker } from './helpers.ts';

// Registered first, so its afterEach runs last: brokers stop before their folders go.
const tempDir = useTempDirs('kfs-step06-coordinator-');
const cleanup = useCleanup();

async function broker() {
  return startBroker(cleanup, tempDir());
}

/** Two members that have both joined generation 2 (the second join makes the first rejoin). */
async function twoMembers(b: Broker, port: number, groupId = 'g') {
  const first = new RawMember(cleanup, port, groupId);
  const joinedAlone = await within(first.join(), WAIT_MS, 'the first joinGroup of an empty group should be answered at once');
  const second = new RawMember(cleanup, port, groupId, { topics: ['numtest', 'other'] });
  const secondJoin = quietly(second.join());
  // A real member would hear of the rebalance from its next heartbeat; here we wait for the coordinator to start it.
  await waitFor(() => b.describeGroup(groupId).state === 'PreparingRebalance', WAIT_MS, 'a second member\'s join should put the group in PreparingRebalance');
  const [firstJoin, secondJoined] = await within(Promise.all([first.join(), secondJoin]), WAIT_MS, 'both joins should be answered once both members have joined');
  return { first, second, joinedAlone, firstJoin, secondJoin: secondJoined };
}

describe('task 2: joining a group', () => {
  test('task 2: the first member of a group gets a member id and leads generation 1, seeing its own subscription', async () => {
    const { port } = await broker();
    const member = new RawMember(cleanup, port, 'g', { topics: ['numtest'] });
    const answer = await within(member.join(), WAIT_MS, 'joinGroup of a new group should be answered');
    expect(answer.memberId, 'a member that joins with memberId "" gets a new, non-empty id').not.toBe('');
    expect(answer.generationId, 'the first rebalance of a group starts generation 1').toBe(1);
    expect(answer.leader, 'the only member is the leader').toBe(answer.memberId);
    expect(answer.protocolName).toBe('range');
    expect(answer.members.map((m) => m.memberId), 'the leader gets every member with its metadata').toEqual([answer.memberId]);
    expect(decodeSubscription(answer.members[0]!.metadata).topics, 'the metadata is passed on exactly as the member sent it').toEqual(['numtest']);
  });

  test('task 2: a second member makes a new generation: both joins are answered together, and only the leader gets the member list', async () => {
    const { port, broker: b } = await broker();
    const { first, second, joinedAlone, firstJoin, secondJoin } = await twoMembers(b, port);
    expect(joinedAlone.generationId).toBe(1);
    expect([firstJoin.generationId, secondJoin.generationId], 'every completed rebalance is a new generation: 1, then 2 (did completeJoin bump generationId?)').toEqual([2, 2]);
    expect(firstJoin.leader, 'the leader stays the first member while it is in the group').toBe(first.memberId);
    expect(secondJoin.leader).toBe(first.memberId);
    expect(firstJoin.members.map((m) => m.memberId).sort(), "the leader's answer lists both members").toEqual([first.memberId, second.memberId].sort());
    expect(secondJoin.members, "a follower's answer lists no members: only the leader assigns").toEqual([]);
  });

  test('task 2: the assignor is one every member supports, the one most members put first', async () => {
    const { port, broker: coordinator } = await broker();
    const a = new RawMember(cleanup, port, 'votes', { protocols: ['roundrobin', 'range'] });
    await a.join();
    const b = new RawMember(cleanup, port, 'votes', { protocols: ['range', 'roundrobin'] });
    const c = new RawMember(cleanup, port, 'votes', { protocols: ['roundrobin', 'sticky', 'range'] });
    const joins = [quietly(b.join()), quietly(c.join())];
    await waitFor(() => coordinator.describeGroup('votes').members.length === 3, WAIT_MS, 'both newcomers should have joined');
    const answers = await within(Promise.all([a.join(), ...joins]), WAIT_MS, 'all three joins should be answered');
    expect(answers.map((answer) => answer.protocolName), 'two of three members prefer roundrobin, and all support it').toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
    const d = new RawMember(cleanup, port, 'votes', { protocols: ['sticky'] });
    expect(await errorCodeOf(d.join()), 'a member whose assignors the others do not support cannot join').toBe('INCONSISTENT_GROUP_PROTOCOL');
  });


  test('task 2: a member id the group does not know is refused with UNKNOWN_MEMBER_ID', async () => {
    const { port } = await broker();
    const member = new RawMember(cleanup, port, 'g');
    await within(member.join(), WAIT_MS, 'joinGroup should be answered');
    const stranger = new RawMember(cleanup, port, 'g');
    stranger.memberId = 'consumer-made-up';
    expect(await errorCodeOf(stranger.join()), 'rejoining needs an id the coordinator gave out').toBe('UNKNOWN_MEMBER_ID');
  });

  test('task 2: group requests with a field nested 100 000 levels deep get INVALID_REQUEST, and the group carries on', async () => {
    const { port } = await broker();
    const socket = cleanup(await connect(port));
    const frames = readFrames(socket);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const join = (fields: string) => `"type":"joinGroup","protocolType":"consumer","protocols":[{"name":"range","metadata":""}],"memberId":"","rebalanceTimeoutMs":10000,${fields}`;
    const requests = [
      join(`"groupId":${deep},"sessionTimeoutMs":10000`),
      join(`"groupId":"g","sessionTimeoutMs":${deep}`),
      `"type":"heartbeat","groupId":"g","memberId":"m","generationId":${deep}`,
      `"type":"offsetCommit","groupId":"g","memberId":"","generationId":-1,"offsets":[{"topic":"t","partition":0,"offset":${deep}}]`,
    ];
    for (const [i, fields] of requests.entries()) {
      const payload = Buffer.from(`{"correlationId":${i + 1},${fields}}`);
      socket.write(Buffer.concat([lengthPrefix(payload.length), payload]));
      const answer = await frames.next<{ correlationId: number; error?: { code: string; message: string } }>(`an answer to request ${i + 1}, which has a field nested 100 000 deep`, WAIT_MS);
      expect([answer.correlationId, answer.error?.code], `request ${i + 1} (${fields.slice(0, 30)}…) gets INVALID_REQUEST`).toEqual([i + 1, 'INVALID_REQUEST']);
      expect(answer.error!.message.length, 'the message quotes a short excerpt of the bad value, never all of it').toBeLessThan(300);
    }
    const member = new RawMember(cleanup, port, 'g');
    expect((await within(member.join(), WAIT_MS, 'a join after the bad requests should be answered')).generationId, 'the group works as before').toBe(1);
  });

  test('task 2: a member that does not rejoin a rebalance in time is removed, and the others go on without it', async () => {
    const { port, broker: b } = await broker();
    const slow = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 300 });
    await slow.join();
    const newcomer = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 300 });
    const answer = await within(newcomer.join(), WAIT_MS, 'the newcomer\'s join should be answered once the rebalance timeout (300 ms) removes the member that never rejoined');
    expect(answer.leader, 'with the old leader gone, the newcomer leads').toBe(answer.memberId);
    expect(membersOf(b, 'g').map((m) => m.memberId)).toEqual([newcomer.memberId]);
  });
});

describe('task 3: sync and heartbeat', () => {
  test("task 3: the leader's syncGroup hands every member its own share; a follower's sync waits for it", async () => {
    const { port, broker: b } = await broker();
    const { first, second } = await twoMembers(b, port);
    const followerSync = second.sync();
    const leaderSync = first.sync({
      [first.memberId]: [{ topic: 'numtest', partition: 0 }, { topic: 'numtest', partition: 1 }],
      [second.memberId]: [{ topic: 'numtest', partition: 2 }, { topic: 'other', partition: 0 }],
    });
    const [leaderShare, followerShare] = await within(Promise.all([leaderSync, followerSync]), WAIT_MS, 'both syncs should be answered once the leader has sent the assignment');
    expect(leaderShare).toEqual([{ topic: 'numtest', partition: 0 }, { topic: 'numtest', partition: 1 }]);
    expect(followerShare, "the follower gets exactly the share the leader gave it").toEqual([{ topic: 'numtest', partition: 2 }, { topic: 'other', partition: 0 }]);
    expect(b.describeGroup('g').state, 'after the leader has synced, the group is Stable').toBe('Stable');
    expect(await second.sync(), 'a sync in a Stable group is answered with the share at once').toEqual(followerShare);
  });

  test("task 3: the leader may sync first: the group is Stable at once, and a follower's later sync gets its share straight away", async () => {
    const { port, broker: b } = await broker();
    const { first, second } = await twoMembers(b, port);
    const leaderShare = await within(first.sync({ [first.memberId]: [{ topic: 'numtest', partition: 0 }], [second.memberId]: [{ topic: 'numtest', partition: 1 }] }), WAIT_MS, "the leader's sync should be answered without waiting for the follower");
    expect(leaderShare).toEqual([{ topic: 'numtest', partition: 0 }]);
    expect(b.describeGroup('g').state).toBe('Stable');
    expect(await within(second.sync(), WAIT_MS, "the follower's sync should be answered at once"), 'the follower gets the share the leader sent earlier').toEqual([{ topic: 'numtest', partition: 1 }]);
  });

  test('task 3: heartbeats: fine while stable, REBALANCE_IN_PROGRESS once a member joins, ILLEGAL_GENERATION for an old generation', async () => {
    const { port, broker: coordinator } = await broker();
    const member = new RawMember(cleanup, port, 'g');
    await member.join();
    await member.sync({ [member.memberId]: [] });
    expect(await errorCodeOf(member.heartbeat()), 'a member of a stable group heartbeats without error').toBe('no error');
    expect(await errorCodeOf(member.heartbeat(member.generationId - 1)), 'a heartbeat naming an older generation is fenced off').toBe('ILLEGAL_GENERATION');
    const newcomer = new RawMember(cleanup, port, 'g');
    const joining = quietly(newcomer.join());
    await waitFor(() => coordinator.describeGroup('g').members.length === 2, WAIT_MS, 'the newcomer should have joined');
    expect(await errorCodeOf(member.heartbeat()), 'a heartbeat is how a member hears that the group is rebalancing').toBe('REBALANCE_IN_PROGRESS');
    await member.join();
    await joining;
    const outsider = new RawMember(cleanup, port, 'g');
    outsider.memberId = 'consumer-nobody';
    expect(await errorCodeOf(outsider.heartbeat(member.generationId)), 'a member id the group does not have').toBe('UNKNOWN_MEMBER_ID');
  });

  test('task 3: a member that heartbeats while the group waits for others to rejoin stays in the group', async () => {
    const { port, broker: b } = await broker();
    // A session long enough that a busy machine cannot miss one, heartbeats for 2.5 of them.
    const member = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 1_000 });
    await member.join();
    await member.sync({ [member.memberId]: [] });
    const newcomer = new RawMember(cleanup, port, 'g');
    const joining = quietly(newcomer.join());
    await waitFor(() => b.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the newcomer should start a rebalance');
    // The member is slow to rejoin (its loop body is busy) but keeps heartbeating, as a consumer does.
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      expect(await errorCodeOf(member.heartbeat()), 'during the rebalance, each heartbeat says "rejoin"').toBe('REBALANCE_IN_PROGRESS');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(membersOf(b, 'g').map((m) => m.memberId), 'a heartbeat answered REBALANCE_IN_PROGRESS still restarts the session timer: the member is alive, only late').toContain(member.memberId);
    await within(Promise.all([member.join(), joining]), WAIT_MS, 'once it rejoins, the rebalance completes');
  });


  test('task 3: a member still waiting for its assignment when another rebalance starts is told REBALANCE_IN_PROGRESS', async () => {
    const { port, broker: b } = await broker();
    const { second } = await twoMembers(b, port);
    const waiting = quietly(second.sync()); // the leader never syncs
    const third = new RawMember(cleanup, port, 'g');
    void quietly(third.join());
    expect(await within(errorCodeOf(waiting), WAIT_MS, "the follower's sync should be answered when a new rebalance starts"), 'its generation will never get an assignment: it must rejoin').toBe('REBALANCE_IN_PROGRESS');
  });

  test('task 3: a join sent again while the first is still parked answers the first (with an error) instead of leaving it hanging', async () => {
    const { port, broker: coordinator } = await broker();
    const { first, second } = await twoMembers(coordinator, port);
    await Promise.all([first.sync({ [first.memberId]: [], [second.memberId]: [] }), second.sync()]);
    const newcomer = new RawMember(cleanup, port, 'g');
    const newcomerJoin = quietly(newcomer.join());
    await waitFor(() => coordinator.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the newcomer should start a rebalance');
    // The first member rejoins, and (say, after a client-side timeout) sends the same join again on a new connection.
    const retry = new RawMember(cleanup, port, 'g');
    retry.memberId = first.memberId;
    const firstAttempt = quietly(first.join());
    const parked = () => coordinator.describeGroup('g').members.find((m) => m.memberId === first.memberId)?.waitingFor === 'join';
    await waitFor(parked, WAIT_MS, "the first member's join should be parked at the coordinator");
    const secondAttempt = quietly(retry.join());
    expect(await within(errorCodeOf(firstAttempt), WAIT_MS, 'the replaced join should be answered at once'), 'the older of two parked joins from one member gets an error').toBe('REBALANCE_IN_PROGRESS');
    const [answer] = await within(Promise.all([secondAttempt, second.join(), newcomerJoin]), WAIT_MS, 'the rebalance should complete with the newer join');
    expect(answer.generationId, 'generation 3: the newer join counts').toBe(3);
  });

  test('task 3: heartbeats keep a member in the group well past its session timeout', async () => {
    const { port, broker: b } = await broker();
    // Heartbeats go on for more than two session timeouts; the timeout is long enough that a busy machine cannot miss one.
    const member = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 1_000 });
    await member.join();
    await member.sync({ [member.memberId]: [] });
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      expect(await errorCodeOf(member.heartbeat()), 'every heartbeat should be accepted while the member keeps sending them').toBe('no error');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(membersOf(b, 'g').map((m) => m.memberId), 'each heartbeat must restart the session timer (2.5 session timeouts have passed)').toEqual([member.memberId]);
  });

  test('task 3: a member parked in a join is not removed by its session timeout while it waits for the others', async () => {
    const { port, broker: b } = await broker();
    const quick = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 500, rebalanceTimeoutMs: 1_500 });
    const slow = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 1_500 });
    await quick.join();
    const slowJoin = quietly(slow.join());
    await waitFor(() => b.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the second member should start a rebalance');
    await within(Promise.all([quick.join(), slowJoin]), WAIT_MS, 'both joins should be answered');
    await Promise.all([quick.sync({ [quick.memberId]: [], [slow.memberId]: [] }), slow.sync()]);
    const newcomer = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 1_500 });
    const newcomerJoin = quietly(newcomer.join());
    await waitFor(() => b.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the newcomer should start a rebalance');
    // quick rejoins at once and waits; slow never rejoins, so the rebalance runs for its 1.5 s timeout, three times quick's session.
    const outcome = await within(errorCodeOf(quick.join()), WAIT_MS, "quick's join should be answered when the rebalance completes");
    expect(outcome, 'a member waiting for its join answer cannot heartbeat: its session timer must be stopped meanwhile').toBe('no error');
    await newcomerJoin;
    expect(membersOf(b, 'g').map((m) => m.memberId).sort(), 'slow, which never rejoined, is the one removed').toEqual([quick.memberId, newcomer.memberId].sort());
  });
});

describe('task 4: session timeouts and leaving', () => {
  test('task 4: a member that stops heartbeating is removed after its session timeout, and the group rebalances without it', async () => {
    const { port, broker: b } = await broker();
    const silent = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 500 });
    await silent.join();
    await silent.sync({ [silent.memberId]: [{ topic: 'numtest', partition: 0 }] });
    expect(membersOf(b, 'g').map((m) => m.memberId)).toEqual([silent.memberId]);
    await waitFor(() => membersOf(b, 'g').length === 0, WAIT_MS, 'a member silent for longer than its 500 ms session timeout should be removed from the group');
    expect(b.describeGroup('g').state, 'with its only member gone, the group is Empty').toBe('Empty');
    expect(await errorCodeOf(silent.heartbeat()), 'a removed member that comes back is a stranger').toBe('UNKNOWN_MEMBER_ID');
  });

  test('task 4: a member that joins and then goes silent before syncing is removed after its session timeout', async () => {
    const { port, broker: b } = await broker();
    const member = new RawMember(cleanup, port, 'g', { sessionTimeoutMs: 500 });
    await member.join(); // then it crashes: no sync, no heartbeat
    await waitFor(() => membersOf(b, 'g').length === 0, WAIT_MS, 'the member was never removed: removeMember (this task) must take it out when its session timer fires, and completeJoin must have started that timer; a leader that dies before syncing would otherwise hold the group for ever');
  });


  test('task 4: a member that leaves while its sync is parked gets an answer to that sync', async () => {
    const { port, broker: b } = await broker();
    const { second } = await twoMembers(b, port);
    const parked = quietly(second.sync()); // the leader has not synced yet
    const goodbye = new RawMember(cleanup, port, 'g');
    goodbye.memberId = second.memberId;
    await goodbye.leave(); // on another connection: the first one is busy with the parked sync
    expect(await within(errorCodeOf(parked), WAIT_MS, 'the parked sync of a removed member should be answered'), 'removeMember answers what the member had parked').toBe('UNKNOWN_MEMBER_ID');
  });


  test('task 4: a member that leaves while the others wait for it to rejoin lets the rebalance complete without it', async () => {
    const { port, broker: b } = await broker();
    const { first, second } = await twoMembers(b, port);
    await Promise.all([first.sync({ [first.memberId]: [], [second.memberId]: [] }), second.sync()]);
    const newcomer = new RawMember(cleanup, port, 'g');
    const joins = [quietly(newcomer.join())];
    await waitFor(() => b.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the newcomer should start a rebalance');
    joins.push(quietly(first.join())); // the second member never rejoins: it leaves instead
    await waitFor(() => b.describeGroup('g').members.length === 3, WAIT_MS, 'three members');
    await second.leave();
    const answers = await within(Promise.all(joins), WAIT_MS, 'the parked joins should be answered as soon as the member they waited for has left');
    expect(answers.map((answer) => answer.generationId), 'one new generation, without the member that left').toEqual([3, 3]);
    expect(membersOf(b, 'g').map((m) => m.memberId).sort()).toEqual([first.memberId, newcomer.memberId].sort());
  });

  test('task 4: a member that leaves starts a rebalance at once, without waiting for its session timeout', async () => {
    const { port, broker: b } = await broker();
    const { first, second } = await twoMembers(b, port);
    await Promise.all([first.sync({ [first.memberId]: [], [second.memberId]: [] }), second.sync()]);
    await second.leave();
    expect(membersOf(b, 'g').map((m) => m.memberId), 'leaveGroup removes the member').toEqual([first.memberId]);
    expect(await errorCodeOf(first.heartbeat()), 'the member left behind must rejoin to get the partitions freed (its session is 10 s, far from over)').toBe('REBALANCE_IN_PROGRESS');
    const answer = await within(first.join(), WAIT_MS, 'the rejoin should be answered: it is the only member now');
    expect(answer.generationId, 'generation 2 had two members; without the one that left it is generation 3').toBe(3);
  });


  test('task 4: a leader that never syncs is removed after the rebalance timeout, and the waiting follower is told to rejoin', async () => {
    const { port, broker: b } = await broker();
    // A rebalance timeout long enough for the first member's rejoin on a busy machine; its sync never comes.
    const first = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 1_000 });
    await first.join();
    const second = new RawMember(cleanup, port, 'g', { rebalanceTimeoutMs: 1_000 });
    const secondJoin = quietly(second.join());
    await waitFor(() => b.describeGroup('g').state === 'PreparingRebalance', WAIT_MS, 'the second member should start a rebalance');
    await within(Promise.all([first.join(), secondJoin]), WAIT_MS, 'both joins should be answered');
    const followerSync = quietly(second.sync()); // the leader (first) never syncs
    expect(await within(errorCodeOf(followerSync), WAIT_MS, "the follower's sync should be answered once the leader's 1000 ms are up"), 'its generation will never get an assignment').toBe('REBALANCE_IN_PROGRESS');
    expect(membersOf(b, 'g').map((m) => m.memberId), 'the leader that never synced is out').toEqual([second.memberId]);
  });
});
