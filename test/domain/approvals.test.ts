import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DAVE, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, auditTrail, refused, seedPipeline, plain } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

async function sendFromDevAlice(message = 'dev change') {
  await world.put('dev-alice', { 'Layout/Account': `v-${message}` }, ALICE);
  return (await world.services.send(as(ALICE), { instance: 'dev-alice', message })).request;
}

async function sendToProduction() {
  const cr = await approvedChangeRequest(world);
  await world.put('staging', { 'Layout/Account': 'v2' });
  return (await world.services.send(as(ALICE), { instance: 'staging', message: 'release', changeRequestId: cr.id })).request;
}

describe('approvals', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
    await world.services.sync(as(BOB), 'dev-bob');
  });

  it('a member of an approver user group approves; the required count decides', async () => {
    const request = await sendFromDevAlice();
    const vote = await world.services.approve(as(QA_MEMBER), request.id);
    expect(vote).toMatchObject({ approvals: 1, required: 1, decided: true });
    expect(vote.request).toMatchObject({ state: 'approved', decidedBy: QA_MEMBER });
    expect((await world.services.report(`DR-${request.id}`)).votes.map((v) => [v.voter, v.decision])).toEqual([[QA_MEMBER, 'approve']]);
  });

  it('user groups are resolved at vote time: a member who left the group may no longer approve', async () => {
    const request = await sendFromDevAlice();
    world.groups.set('S0QA', []);
    const error = await refused(world.services.approve(as(QA_MEMBER), request.id), 'NOT_PERMITTED');
    expect(error.message).toContain('not an approver of Staging');
    expect(error.message).toContain('@U0BOB');
    expect(error.message).toContain('@S0QA');
    world.groups.set('S0QA', [DAVE]);
    expect((await world.services.approve(as(DAVE), request.id)).request.state).toBe('approved');
  });

  it('a user group Slack cannot resolve: members are refused with the reason, named approvers and deployers still act', async () => {
    const request = await sendFromDevAlice();
    world.groups.set('S0QA', new Error('Slack answered 500'));
    const error = await refused(world.services.approve(as(QA_MEMBER), request.id), 'GROUP_UNRESOLVED');
    expect(error.message).toBe(
      'Could not check whether you belong to the user group @S0QA: Slack answered 500. Ask @U0BOB or an admin to vote instead.',
    );
    expect((await world.services.approve(as(BOB), request.id)).request.state).toBe('approved');
    expect((await world.services.reject(as(DEPLOYER), request.id, 'not this week')).state).toBe('rejected');
  });

  it('needs every required approval: production needs two', async () => {
    const request = await sendToProduction();
    const first = await world.services.approve(as(BOB), request.id);
    expect(first).toMatchObject({ approvals: 1, required: 2, decided: false });
    expect(first.request.state).toBe('pending_approval');
    const deployBefore = await refused(world.services.deploy(as(DEPLOYER), request.id), 'NOT_APPROVED');
    expect(deployBefore.message).toContain('waiting for approval');
    const second = await world.services.approve(as(CAROL), request.id);
    expect(second).toMatchObject({ approvals: 2, required: 2, decided: true });
    expect(second.request).toMatchObject({ state: 'approved', decidedBy: CAROL });
  });

  it('one vote per approver (ALREADY_VOTED), and the repeat is not counted', async () => {
    const request = await sendToProduction();
    await world.services.approve(as(BOB), request.id);
    const error = await refused(world.services.approve(as(BOB), request.id), 'ALREADY_VOTED');
    expect(error.message).toContain('each approver votes once');
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('pending_approval');
    expect((await world.services.report(`DR-${request.id}`)).votes).toHaveLength(1);
  });

  it('nobody approves their own request (SELF_APPROVAL)', async () => {
    await world.put('dev-bob', { 'Layout/Bob': 'b' }, BOB);
    const request = (await world.services.send(as(BOB), { instance: 'dev-bob', message: 'mine' })).request;
    const error = await refused(world.services.approve(as(BOB), request.id), 'SELF_APPROVAL');
    expect(error.message).toContain('another approver has to');
    const report = await world.services.report(`DR-${request.id}`);
    expect(report.request.state).toBe('pending_approval');
    expect(report.votes).toEqual([]);
  });

  it('someone who is no approver is refused and not counted', async () => {
    const request = await sendFromDevAlice();
    for (const user of [DAVE, DEPLOYER]) await refused(world.services.approve(as(user), request.id), 'NOT_PERMITTED');
    // The requester hears the real reason first, whether or not she is an approver.
    const own = await refused(world.services.approve(as(ALICE), request.id), 'SELF_APPROVAL');
    expect(own.message).toBe(`You sent DR-${request.id}, so you cannot approve it: another approver has to. Ask @U0BOB, @S0QA or an admin.`);
    expect((await world.services.report(`DR-${request.id}`)).votes).toEqual([]);
  });

  it('votes after the decision are refused ("already approved") and never recorded', async () => {
    const request = await sendFromDevAlice();
    await world.services.approve(as(QA_MEMBER), request.id);
    const error = await refused(world.services.approve(as(BOB), request.id), 'INVALID_STATE');
    expect(error.message).toContain('already approved');
    expect(error.message).toContain('not recorded');
    expect((await world.services.report(`DR-${request.id}`)).votes.map((v) => v.voter)).toEqual([QA_MEMBER]);
    expect(error.message).toBe(`DR-${request.id} is already approved (approved by @U0QA); votes after a decision are not recorded.`);
    await world.services.deploy(as(DEPLOYER), request.id);
    const late = await refused(world.services.approve(as(BOB), request.id), 'INVALID_STATE');
    expect(late.message).toBe(`DR-${request.id} is already deployed (deployed by @U0DEPLOY); votes after a decision are not recorded.`);
  });

  it('a send warns when the approvers besides the sender are too few', async () => {
    await world.put('staging', { 'Layout/Account': 'v2' });
    const cr = await approvedChangeRequest(world);
    const { warnings } = await world.services.send(as(BOB), { instance: 'staging', message: 'release', changeRequestId: cr.id, confirmDrift: true });
    expect(warnings.map(plain)).toContain('Production needs 2 approvals, and you may not approve your own request: only @U0CAROL can vote besides you, so an admin will have to approve it.');
  });

  it('an approver who sent the request is left out of whom to ask', async () => {
    await world.put('dev-bob', { 'Layout/Bob': 'b' }, BOB);
    const { request, warnings } = await world.services.send(as(BOB), { instance: 'dev-bob', message: 'mine' });
    expect(warnings).toEqual([]); // the QA group can still approve
    const error = await refused(world.services.approve(as(BOB), request.id), 'SELF_APPROVAL');
    expect(error.message).toBe(`You sent DR-${request.id}, so you cannot approve it: another approver has to. Ask @S0QA or an admin.`);
  });

  it('reject needs a reason; one rejection ends the request, and later votes are refused', async () => {
    const request = await sendFromDevAlice();
    for (const reason of ['', '  ']) {
      const error = await refused(world.services.reject(as(BOB), request.id, reason), 'INVALID_INPUT');
      expect(error.message).toContain('a reason is required');
    }
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('pending_approval');

    const rejected = await world.services.reject(as(BOB), request.id, 'breaks the account page');
    expect(rejected).toMatchObject({ state: 'rejected', decidedBy: BOB, reason: 'breaks the account page' });
    const report = await world.services.report(`DR-${request.id}`);
    expect(report.votes.map((v) => [v.voter, v.decision, v.reason])).toEqual([[BOB, 'reject', 'breaks the account page']]);

    const late = await refused(world.services.approve(as(QA_MEMBER), request.id), 'INVALID_STATE');
    expect(late.message).toContain('already rejected');
    await refused(world.services.reject(as(QA_MEMBER), request.id, 'me too'), 'INVALID_STATE');
    await refused(world.services.deploy(as(DEPLOYER), request.id), 'INVALID_STATE');
    expect((await world.services.queue('Staging'))[0]!.requests).toEqual([]);
  });

  it('only approvers, deployers, admins or the requester may reject', async () => {
    const request = await sendFromDevAlice();
    const error = await refused(world.services.reject(as(DAVE), request.id, 'no'), 'NOT_PERMITTED');
    expect(error.message).toContain('cannot reject');
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('pending_approval');
    // The requester may withdraw it.
    expect((await world.services.reject(as(ALICE), request.id, 'withdrawn')).state).toBe('rejected');
  });

  it('a deployer rejects an approved request from the queue', async () => {
    const request = await sendFromDevAlice();
    await world.services.approve(as(QA_MEMBER), request.id);
    const rejected = await world.services.reject(as(DEPLOYER), request.id, 'not this week');
    expect(rejected).toMatchObject({ state: 'rejected', decidedBy: DEPLOYER });
  });

  it('every vote and refusal is in the audit', async () => {
    const request = await sendToProduction();
    await world.services.approve(as(BOB), request.id);
    await refused(world.services.approve(as(BOB), request.id), 'ALREADY_VOTED');
    await refused(world.services.approve(as(DAVE), request.id), 'NOT_PERMITTED');
    await world.services.approve(as(ADMIN), request.id);
    expect(await auditTrail(world, `DR-${request.id}`)).toEqual([
      ['send', 'pending_approval'],
      ['approve', 'vote recorded'],
      ['approve', 'refused'],
      ['approve', 'refused'],
      ['approve', 'approved'],
    ]);
  });
});

describe('approvals with self-approval allowed by the policy', () => {
  beforeEach(async () => {
    world = await createWorld(
      db,
      `
admins: [U0ADMIN]
environments:
  - name: Development
    kind: development
    instances: [dev-bob]
  - name: Staging
    kind: staging
    instances: [staging]
    approvals: { required: 1, approvers: [U0BOB], allowSelfApproval: true }
  - name: Production
    kind: production
    instances: [production]
`,
    );
  });

  it('lets the requester approve', async () => {
    await world.put('dev-bob', { 'Layout/Bob': 'b' });
    const request = (await world.services.send(as(BOB), { instance: 'dev-bob', message: 'mine' })).request;
    expect((await world.services.approve(as(BOB), request.id)).request.state).toBe('approved');
  });
});
