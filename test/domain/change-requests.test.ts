import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DAVE, DEPLOYER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, approvedForProduction, auditTrail, contents, counts, deployAs, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const newCr = (extra: Partial<{ name: string; type: string; overview: string; customizations: string[]; additionalApprovers: string[] }> = {}) =>
  world.services.changeRequests.create(as(ALICE), { name: 'Account page', type: 'normal', overview: 'new account layout', ...extra });
const stateOf = async (id: number) => (await world.services.changeRequests.show(id)).changeRequest.state;

describe('change requests', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('walks draft → pending_approval → approved → in_progress → deployed → completed', async () => {
    const s = world.services;
    const cr = await newCr({ customizations: ['Layout/Account', 'Layout/Proposed'] });
    expect(cr).toMatchObject({ state: 'draft', createdBy: ALICE, customizations: ['Layout/Account'], proposedCustomizations: ['Layout/Proposed'] });
    expect((await s.changeRequests.submit(as(ALICE), cr.id)).state).toBe('pending_approval');
    await s.changeRequests.approve(as(BOB), cr.id);
    expect(await stateOf(cr.id)).toBe('pending_approval');
    expect((await s.changeRequests.approve(as(CAROL), cr.id)).state).toBe('approved');

    await world.put('staging', { 'Layout/Account': 'v2', 'Layout/Proposed': 'p' });
    const request = await approvedForProduction(world, (await s.changeRequests.show(cr.id)).changeRequest);
    expect(await stateOf(cr.id)).toBe('in_progress');
    expect(request.changeRequestId).toBe(cr.id);

    const early = await refused(s.changeRequests.complete(as(ALICE), cr.id), 'INVALID_STATE');
    expect(early.message).toContain('can be completed once a deployment carrying it has reached production');

    expect((await deployAs(world, request.id)).succeeded).toBe(true);
    expect(await stateOf(cr.id)).toBe('deployed');
    expect((await s.changeRequests.complete(as(ALICE), cr.id)).state).toBe('completed');

    const details = await s.changeRequests.show(cr.id);
    expect(details.votes.map((v) => [v.voter, v.decision])).toEqual([
      [BOB, 'approve'],
      [CAROL, 'approve'],
    ]);
    expect(details.requests.map((r) => r.id)).toEqual([request.id]);
    expect(await auditTrail(world, `CR-${cr.id}`)).toEqual([
      ['cr new', 'draft'],
      ['cr submit', 'pending_approval'],
      ['cr approve', 'pending_approval'],
      ['cr approve', 'approved'],
      ['cr follows', 'in progress'],
      ['cr complete', 'refused'],
      ['cr follows', 'deployed'],
      ['cr complete', 'completed'],
    ]);
  });

  it('needs the production policy count among its approvers plus every additional approver', async () => {
    const s = world.services;
    const cr = await newCr({ additionalApprovers: [DAVE] });
    await s.changeRequests.submit(as(ALICE), cr.id);
    // An additional approver's vote does not count towards the policy's two.
    await s.changeRequests.approve(as(DAVE), cr.id);
    await s.changeRequests.approve(as(BOB), cr.id);
    expect(await stateOf(cr.id)).toBe('pending_approval');
    expect((await s.changeRequests.approve(as(CAROL), cr.id)).state).toBe('approved');
  });

  it('is not approved until the additional approver has voted, even with the policy count reached', async () => {
    const s = world.services;
    const cr = await newCr({ additionalApprovers: [DAVE, DEPLOYER] });
    await s.changeRequests.submit(as(ALICE), cr.id);
    await s.changeRequests.approve(as(BOB), cr.id);
    await s.changeRequests.approve(as(CAROL), cr.id);
    await s.changeRequests.approve(as(DAVE), cr.id);
    expect(await stateOf(cr.id)).toBe('pending_approval');
    const blocked = await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: cr.id }), 'CHANGE_REQUEST_REQUIRED');
    expect(blocked.message).toContain('pending approval');
    expect((await s.changeRequests.approve(as(DEPLOYER), cr.id)).state).toBe('approved');
  });

  it('refuses votes from non-approvers, from its creator, twice from one approver, and before submission', async () => {
    const s = world.services;
    const cr = await newCr();
    const notSubmitted = await refused(s.changeRequests.approve(as(BOB), cr.id), 'INVALID_STATE');
    expect(notSubmitted.message).toContain('submit it first');
    await s.changeRequests.submit(as(ALICE), cr.id);
    const outsider = await refused(s.changeRequests.approve(as(DAVE), cr.id), 'NOT_PERMITTED');
    expect(outsider.message).toContain('@U0BOB, @U0CAROL or an admin');
    await s.changeRequests.approve(as(BOB), cr.id);
    await refused(s.changeRequests.approve(as(BOB), cr.id), 'ALREADY_VOTED');
    expect((await s.changeRequests.show(cr.id)).votes).toHaveLength(1);

    const own = await s.changeRequests.create(as(BOB), { name: 'Bob’s', type: 'emergency', overview: 'hotfix' });
    await s.changeRequests.submit(as(BOB), own.id);
    const self = await refused(s.changeRequests.approve(as(BOB), own.id), 'SELF_APPROVAL');
    expect(self.message).toBe(`You created CR-${own.id}, so you cannot approve it: another approver has to. Ask @U0CAROL or an admin.`);
    expect((await s.changeRequests.show(own.id)).votes).toEqual([]);
    // A creator who is no approver at all hears the self-approval rule too, not "not an approver".
    const alices = await refused(s.changeRequests.approve(as(ALICE), cr.id), 'SELF_APPROVAL');
    expect(alices.message).toContain(`You created CR-${cr.id}`);
  });

  it('is rejected with a reason; a rejected one takes no more votes and cannot be attached', async () => {
    const s = world.services;
    const cr = await newCr();
    await s.changeRequests.submit(as(ALICE), cr.id);
    const noReason = await refused(s.changeRequests.reject(as(BOB), cr.id, ' '), 'INVALID_INPUT');
    expect(noReason.message).toContain('a reason is required');
    expect(await stateOf(cr.id)).toBe('pending_approval');
    await refused(s.changeRequests.reject(as(DAVE), cr.id, 'no'), 'NOT_PERMITTED');

    const rejected = await s.changeRequests.reject(as(CAROL), cr.id, 'too risky before the holidays');
    expect(rejected).toMatchObject({ state: 'rejected', rejectionReason: 'too risky before the holidays' });
    await refused(s.changeRequests.approve(as(BOB), cr.id), 'INVALID_STATE');
    await refused(s.changeRequests.submit(as(ALICE), cr.id), 'INVALID_STATE');
    await world.put('staging', { 'Layout/Account': 'v2' });
    const attach = await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: cr.id }), 'CHANGE_REQUEST_REQUIRED');
    expect(attach.message).toContain(`CR-${cr.id} is rejected`);
  });

  it('only its creator or an admin submits and completes it', async () => {
    const s = world.services;
    const cr = await newCr();
    const error = await refused(s.changeRequests.submit(as(BOB), cr.id), 'NOT_PERMITTED');
    expect(error.message).toContain('Only @U0ALICE, who created');
    expect(await stateOf(cr.id)).toBe('draft');
    expect((await s.changeRequests.submit(as(ADMIN), cr.id)).state).toBe('pending_approval');
    await refused(s.changeRequests.complete(as(ALICE), 999), 'NOT_FOUND');
  });

  it('refuses bad input and creates nothing', async () => {
    const s = world.services;
    const cases: [Parameters<typeof newCr>[0], string][] = [
      [{ name: '  ' }, 'needs a name'],
      [{ overview: '' }, 'needs an overview'],
      [{ type: 'urgent' }, '"urgent" is not a change type. Use one of: standard, normal, emergency'],
      [{ customizations: ['Layout/Account', 'not a key'] }, 'not: not a key'],
      [{ additionalApprovers: ['U0CAROL', 'bob'] }, 'Additional approvers are Slack user ids such as U0CAROL; not: bob'],
      [{ additionalApprovers: [ALICE] }, 'You cannot be an additional approver of your own change request'],
    ];
    for (const [input, message] of cases) {
      const error = await refused(newCr(input), 'INVALID_INPUT');
      expect(error.message).toContain(message);
    }
    expect(await counts(db)).toMatchObject({ change_requests: 0 });
    expect(await s.changeRequests.list()).toEqual([]);
  });

  it('deploy checks again that the change request is still approved', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const first = await approvedForProduction(world, cr, { message: 'first' });
    await world.put('staging', { 'Layout/Second': 's' });
    const second = await approvedForProduction(world, cr, { message: 'second' });
    expect((await deployAs(world, first.id)).succeeded).toBe(true);
    // A deployed CR stays attachable until it is completed.
    expect(await stateOf(cr.id)).toBe('deployed');
    await s.changeRequests.complete(as(ALICE), cr.id);

    const before = await contents(world, 'production');
    const error = await refused(deployAs(world, second.id), 'CHANGE_REQUEST_REQUIRED');
    expect(error.message).toContain(`CR-${cr.id} is completed`);
    expect(error.message).toContain('an approved change request is required');
    expect((await s.report(`DR-${second.id}`)).request.state).toBe('approved');
    expect(await contents(world, 'production')).toEqual(before);
    const attach = await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: cr.id, confirmDrift: true }), 'CHANGE_REQUEST_REQUIRED');
    expect(attach.message).toContain('completed');
  });

  it('a CR in deployed state may still be attached to another send', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const first = await approvedForProduction(world, cr);
    await deployAs(world, first.id);
    await world.put('staging', { 'Layout/Follow-up': 'f' });
    const follow = await s.send(as(ALICE), { instance: 'staging', message: 'follow-up', changeRequestId: cr.id, confirmDrift: true });
    expect(follow.request.changeRequestId).toBe(cr.id);
    expect(await stateOf(cr.id)).toBe('deployed');
  });
});
