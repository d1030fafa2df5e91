import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, auditTrail, deployAs, plain, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const show = (id: number) => world.services.changeRequests.show(id);
const stateOf = async (id: number) => (await show(id)).changeRequest.state;

/** Sends staging's changes to production carrying `crId` and gets both production approvals. */
async function approvedInProduction(crId: number, message = 'release') {
  const sent = await world.services.send(as(ALICE), { instance: 'staging', message, changeRequestId: crId, confirmDrift: true });
  await world.services.approve(as(BOB), sent.request.id);
  return (await world.services.approve(as(CAROL), sent.request.id)).request;
}

describe('Sync CR', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Flow/Other': 'o1' });
  });

  it('makes the instance work on the change request: in progress, where, by whom, since when, its proposed keys expected there', async () => {
    const cr = await approvedChangeRequest(world, { customizations: ['Layout/Account', 'Layout/Proposed'] });
    world.clock.advance(60_000);
    const synced = await world.services.changeRequests.sync(as(ALICE), cr.id, 'dev-alice');
    expect(synced.instance.name).toBe('dev-alice');
    expect(synced.changeRequest).toMatchObject({ state: 'in_progress', workedBy: ALICE, workedSince: world.clock.now() });
    expect(synced.expected).toEqual(['Layout/Proposed']);
    const details = await show(cr.id);
    expect(details.workedIn?.name).toBe('dev-alice');

    const devAlice = async () => (await world.services.status()).flatMap((e) => e.instances).find((i) => i.instance.name === 'dev-alice')!;
    expect((await devAlice()).changeRequest).toEqual({ id: cr.id, name: cr.name, expected: ['Layout/Proposed'] });
    await world.put('dev-alice', { 'Layout/Proposed': 'new' }, ALICE);
    expect((await devAlice()).changeRequest?.expected).toEqual([]);
    expect(await auditTrail(world, `CR-${cr.id}`)).toContainEqual(['cr sync', 'in progress']);
  });

  it("makes the instance's sends carry the change request without naming it, warning of components outside it", async () => {
    const cr = await approvedChangeRequest(world, { customizations: ['Layout/Account'] });
    await world.services.changeRequests.sync(as(ALICE), cr.id, 'dev-alice');
    expect((await world.services.sendPreview('dev-alice', as(ALICE))).workedOn?.id).toBe(cr.id);
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Flow/Other': 'o2', 'Flow/Third': 't' }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'account page' });
    expect(sent.request.changeRequestId).toBe(cr.id);
    expect(sent.warnings.map(plain)).toContain(`2 components outside the customizations of CR-${cr.id}: Flow/Other, Flow/Third.`);
  });

  it('refuses a change request that is not approved, production, and an instance the user may not work in, recording each refusal', async () => {
    const s = world.services.changeRequests;
    const draft = await s.create(as(ALICE), { name: 'Draft', type: 'normal', overview: 'not yet' });
    const notApproved = await refused(s.sync(as(ALICE), draft.id, 'dev-alice'), 'INVALID_STATE');
    expect(notApproved.message).toBe(`CR-${draft.id} is draft; only an approved change request can be synced to an instance to be worked on: submit it for approval first (\`cr submit CR-${draft.id}\`).`);
    const cr = await approvedChangeRequest(world);
    const production = await refused(s.sync(as(ALICE), cr.id, 'production'), 'INVALID_STATE');
    expect(production.message).toContain('production receives changes only through the pipeline');
    const notHers = await refused(s.sync(as(BOB), cr.id, 'dev-alice'), 'NOT_PERMITTED');
    expect(notHers.message).toContain('it belongs to @U0ALICE');
    await refused(s.sync(as(ALICE), cr.id, 'nowhere'), 'NOT_FOUND');
    expect(await stateOf(cr.id)).toBe('approved');
    expect((await show(cr.id)).workedIn).toBeUndefined();
    expect((await auditTrail(world, `CR-${cr.id}`)).filter(([action]) => action === 'cr sync')).toEqual([
      ['cr sync', 'refused'],
      ['cr sync', 'refused'],
      ['cr sync', 'refused'],
    ]);
  });

  it('moves a change request to the instance synced last, and an instance to the change request synced to it last', async () => {
    const first = await approvedChangeRequest(world);
    const second = await approvedChangeRequest(world);
    const s = world.services.changeRequests;
    await s.sync(as(ALICE), first.id, 'dev-alice');
    const moved = await s.sync(as(ADMIN), first.id, 'dev-bob');
    expect(moved.movedFrom?.name).toBe('dev-alice');
    const replacing = await s.sync(as(ALICE), second.id, 'dev-bob');
    expect(replacing.replaced?.id).toBe(first.id);
    expect((await show(first.id)).workedIn).toBeUndefined();
    expect((await show(second.id)).workedIn?.name).toBe('dev-bob');
  });
});

describe('a change request follows the requests that carry it', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('goes back to approved when its only request is rejected, and stays in progress while another still waits', async () => {
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const first = await world.services.send(as(ALICE), { instance: 'staging', message: 'one', changeRequestId: cr.id });
    await world.put('dev-alice', { 'Flow/New': 'n' }, ALICE);
    const second = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'two', changeRequestId: cr.id, confirmDrift: true });
    expect(await stateOf(cr.id)).toBe('in_progress');
    await world.services.reject(as(BOB), first.request.id, 'not now');
    expect(await stateOf(cr.id)).toBe('in_progress');
    await world.services.reject(as(QA_MEMBER), second.request.id, 'not now either');
    expect(await stateOf(cr.id)).toBe('approved');
    expect((await auditTrail(world, `CR-${cr.id}`)).filter(([action]) => action === 'cr follows')).toEqual([
      ['cr follows', 'in progress'],
      ['cr follows', 'approved'],
    ]);
  });

  it('goes back to approved when its deployment fails, then deployed once in production, its proposed keys now existing', async () => {
    const cr = await approvedChangeRequest(world, { customizations: ['Layout/Account', 'Layout/Proposed'] });
    await world.put('staging', { 'Layout/Account': 'debug=true', 'Layout/Proposed': 'p' });
    const request = await approvedInProduction(cr.id);
    const failed = await deployAs(world, request.id);
    expect(failed.succeeded).toBe(false);
    expect(await stateOf(cr.id)).toBe('approved');

    await world.put('staging', { 'Layout/Account': 'v2' });
    const fixed = await approvedInProduction(cr.id, 'fixed');
    expect(await stateOf(cr.id)).toBe('in_progress');
    expect((await deployAs(world, fixed.id)).succeeded).toBe(true);
    const deployed = (await show(cr.id)).changeRequest;
    expect(deployed).toMatchObject({ state: 'deployed', customizations: ['Layout/Account', 'Layout/Proposed'], proposedCustomizations: [] });
    const follows = (await world.services.audit({ subject: `CR-${cr.id}`, limit: 100 })).filter((e) => e.action === 'cr follows');
    expect(follows.map((e) => [e.outcome, e.details?.because])).toEqual([
      ['in progress', 'sent'],
      ['approved', 'failed'],
      ['in progress', 'sent'],
      ['deployed', 'deployed'],
    ]);
    expect(follows.at(-1)?.details?.nowExisting).toEqual(['Layout/Proposed']);
  });

  it('is reverted when its production deployment is reverted, completed or not, and frees the instance it was worked on in', async () => {
    const cr = await approvedChangeRequest(world);
    await world.services.changeRequests.sync(as(ADMIN), cr.id, 'staging');
    await world.put('staging', { 'Layout/Account': 'v2' });
    const request = await approvedInProduction(cr.id);
    await deployAs(world, request.id);
    await world.services.changeRequests.complete(as(ALICE), cr.id);
    await world.services.revert(as(DEPLOYER), 'Production', 'broke checkout');
    expect(await stateOf(cr.id)).toBe('reverted');
    expect((await show(cr.id)).workedIn).toBeUndefined();
    const refusal = await refused(world.services.changeRequests.sync(as(ALICE), cr.id, 'dev-alice'), 'INVALID_STATE');
    expect(refusal.message).toContain('is reverted');
  });

  it('stays where it is when a request to staging deploys: only production deploys it', async () => {
    const cr = await approvedChangeRequest(world);
    await world.services.changeRequests.sync(as(ALICE), cr.id, 'dev-alice');
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'to staging' });
    await world.services.approve(as(QA_MEMBER), sent.request.id);
    await deployAs(world, sent.request.id);
    expect(await stateOf(cr.id)).toBe('in_progress');
  });
});

describe('cr compare', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Layout/Same': 's', 'Layout/Gone': 'g' });
  });

  it("compares the change request's customizations where it is worked on against production, and staging when nowhere", async () => {
    const cr = await approvedChangeRequest(world, { customizations: ['Layout/Account', 'Layout/Same', 'Layout/Gone', 'Layout/Proposed', 'Layout/Nowhere'] });
    const fromStaging = await world.services.changeRequests.compare(cr.id);
    expect(fromStaging.from.name).toBe('staging');
    expect(fromStaging.items.every((i) => i.state === 'same' || i.state === 'in neither')).toBe(true);

    await world.services.changeRequests.sync(as(ALICE), cr.id, 'dev-alice');
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Layout/Proposed': 'p' }, ALICE);
    await world.services.components.remove(as(ALICE), 'dev-alice', 'Layout/Gone');
    const compared = await world.services.changeRequests.compare(cr.id);
    expect(compared.from.name).toBe('dev-alice');
    expect(compared.items).toEqual([
      { key: 'Layout/Account', proposed: false, state: 'changed' },
      { key: 'Layout/Same', proposed: false, state: 'same' },
      { key: 'Layout/Gone', proposed: false, state: 'only in production' },
      { key: 'Layout/Proposed', proposed: true, state: 'only here' },
      { key: 'Layout/Nowhere', proposed: true, state: 'in neither' },
    ]);
  });
});

describe('production changes only through the pipeline', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('refuses a direct edit of staging or production by anyone but an admin, and audits an admin edit as out of band', async () => {
    const s = world.services.components;
    for (const instance of ['staging', 'production']) {
      const refusal = await refused(s.put(as(ALICE), instance, [{ key: 'Layout/Account', content: 'direct' }]), 'NOT_PERMITTED');
      expect(refusal.message).toContain('which changes only through the pipeline');
      await refused(s.remove(as(DEPLOYER), instance, 'Layout/Account'), 'NOT_PERMITTED');
    }
    expect((await s.list('production'))[0]?.content).toBe('v1');
    await s.put(as(ADMIN), 'production', [{ key: 'Layout/Hotfix', content: 'h' }]);
    await s.remove(as(ADMIN), 'production', 'Layout/Hotfix');
    const events = (await world.services.audit({ subject: 'production', limit: 100 })).slice(-2);
    expect(events.map((e) => [e.action, e.outcome, e.details?.outOfBand])).toEqual([
      ['components put', 'written out of band', true],
      ['components rm', 'removed out of band', true],
    ]);
    // A sandbox is edited as before, not out of band.
    await s.put(as(ALICE), 'dev-alice', [{ key: 'Layout/Mine', content: 'm' }]);
    expect((await world.services.audit({ subject: 'dev-alice', limit: 100 })).at(-1)?.outcome).toBe('written');
  });
});
