import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, QA_MEMBER, as, createWorld, twoStagingConfig, type World } from '../helpers/world.ts';
import { approvedChangeRequest, auditTrail, counts, projectOf, refused, seedPipeline, plain } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const noRequests = { packages: 0, package_items: 0, requests: 0, votes: 0, snapshots: 0 };

describe('send', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Workflow/Old': 'o1' });
  });

  it('goes to the next environment up only, with its label', async () => {
    const s = world.services;
    expect((await s.sendPreview('dev-alice')).label).toBe('Send to Staging');
    expect((await s.sendPreview('staging')).label).toBe('Send to Production');
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'new layout' });
    expect(sent.target.name).toBe('Staging');
    expect(sent.targetInstance.name).toBe('staging');
    expect(sent.request).toMatchObject({ state: 'pending_approval', requester: ALICE, message: 'new layout', targetEnvironmentId: sent.target.id });
    expect((await s.queue('Staging'))[0]!.requests.map((r) => r.id)).toEqual([sent.request.id]);
    expect((await s.queue('Production'))[0]!.requests).toEqual([]);

    const top = await refused(s.send(as(ADMIN), { instance: 'production', message: 'x' }), 'INVALID_STATE');
    expect(top.message).toContain('nowhere to send');
  });

  it('snapshots the project into an immutable package: actions, contents and base hashes', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Layout/New': 'n1' }, ALICE);
    await s.components.remove(as(ALICE), 'dev-alice', 'Workflow/Old');
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'three changes' });
    expect(sent.summary).toEqual({ added: 1, modified: 1, deleted: 1 });
    const before = (await s.report(`DR-${sent.request.id}`)).changes;
    expect(before.map((c) => [c.key, c.action])).toEqual([
      ['Layout/Account', 'modify'],
      ['Layout/New', 'add'],
      ['Workflow/Old', 'delete'],
    ]);
    expect(before.find((c) => c.key === 'Workflow/Old')).toMatchObject({ hash: null });
    expect(before.find((c) => c.key === 'Layout/New')).toMatchObject({ baseHash: null });
    const production = await s.components.list('staging');
    expect(before.find((c) => c.key === 'Layout/Account')!.baseHash).toBe(production.find((c) => c.key === 'Layout/Account')!.hash);

    // Later edits in the instance do not touch the package.
    await world.put('dev-alice', { 'Layout/Account': 'v3', 'Layout/Other': 'x' }, ALICE);
    expect((await s.report(`DR-${sent.request.id}`)).changes).toEqual(before);
  });

  it('needs a deployment message, and a refused send leaves nothing behind', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    for (const message of ['', '   ']) {
      const error = await refused(world.services.send(as(ALICE), { instance: 'dev-alice', message }), 'INVALID_INPUT');
      expect(error.message).toContain('deployment message is required');
    }
    expect(await counts(db)).toMatchObject(noRequests);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Active');
  });

  it('is refused when there are no changes (NOTHING_TO_SEND)', async () => {
    const error = await refused(world.services.send(as(ALICE), { instance: 'dev-alice', message: 'nothing' }), 'NOTHING_TO_SEND');
    expect(error.message).toContain('no changes to send');
    expect(await counts(db)).toMatchObject(noRequests);
  });

  it('a change of dependencies alone is a change to send, and deploys them', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': { content: 'v1', dependsOn: ['Workflow/Old'] } }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'layout needs the workflow' });
    expect(sent.summary).toEqual({ added: 0, modified: 1, deleted: 0 });
    await s.approve(as(BOB), sent.request.id);
    expect((await s.deploy(as(DEPLOYER), sent.request.id)).succeeded).toBe(true);
    const [deployed] = (await s.components.list('staging')).filter((c) => c.key === 'Layout/Account');
    expect(deployed).toMatchObject({ content: 'v1', dependsOn: ['Workflow/Old'] });
  });

  it('is refused while the same change set waits in a queue (ALREADY_QUEUED), and accepts new changes', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const first = await s.send(as(ALICE), { instance: 'dev-alice', message: 'first' });
    const before = await counts(db);
    const error = await refused(s.send(as(ALICE), { instance: 'dev-alice', message: 'again' }), 'ALREADY_QUEUED');
    expect(error.message).toContain(`DR-${first.request.id}`);
    expect(error.message).toContain('disabled until new changes are available');
    expect(await counts(db)).toEqual(before);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Sent');
    // The preview that a form is filled from refuses it already, with the same reason.
    expect((await refused(s.sendPreview('dev-alice'), 'ALREADY_QUEUED')).message).toBe(error.message);

    await world.put('dev-alice', { 'Layout/More': 'm' }, ALICE);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Active');
    const second = await s.send(as(ALICE), { instance: 'dev-alice', message: 'more' });
    expect(second.request.id).not.toBe(first.request.id);
    expect(second.summary).toEqual({ added: 1, modified: 1, deleted: 0 });
  });

  it('a rejected request ends; the same change set may be sent again as a new request', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const first = await s.send(as(ALICE), { instance: 'dev-alice', message: 'first' });
    await s.reject(as(BOB), first.request.id, 'wrong colour');
    const again = await s.send(as(ALICE), { instance: 'dev-alice', message: 'second try' });
    expect(again.request.state).toBe('pending_approval');
    expect(again.request.changeHash).toBe(first.request.changeHash);
    expect((await s.report(`DR-${first.request.id}`)).request.state).toBe('rejected');
  });

  it('warns about drift of the parent and goes ahead only when the user confirms (DRIFT_NOT_CONFIRMED)', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    await world.put('staging', { 'Workflow/Elsewhere': 'e1' });
    const error = await refused(s.send(as(ALICE), { instance: 'dev-alice', message: 'drifted' }), 'DRIFT_NOT_CONFIRMED');
    expect(error.message).toContain('staging has changed since dev-alice last synced');
    expect(error.message).toContain('Sync first');
    expect(error.message).toContain('or confirm that you send anyway');
    expect(await counts(db)).toMatchObject(noRequests);

    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'drifted', confirmDrift: true });
    expect(sent.request.state).toBe('pending_approval');
    expect(sent.warnings.map(plain).some((w) => w.includes('changed since your last sync'))).toBe(true);
  });

  it('after a sync there is no drift to confirm', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    await world.put('staging', { 'Workflow/Elsewhere': 'e1' });
    await world.services.sync(as(ALICE), 'dev-alice');
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'synced first' });
    expect(sent.warnings).toEqual([]);
  });

  it('an owned instance is sent only by its owner or an admin; an unowned one by anyone', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const error = await refused(s.send(as(BOB), { instance: 'dev-alice', message: 'not mine' }), 'NOT_PERMITTED');
    expect(error.message).toContain('belongs to @U0ALICE');
    expect(await counts(db)).toMatchObject(noRequests);
    expect((await s.send(as(ADMIN), { instance: 'dev-alice', message: 'as admin' })).request.requester).toBe(ADMIN);

    await s.sync(as(BOB), 'dev-bob');
    await world.put('dev-bob', { 'Layout/Bob': 'b' }, DEPLOYER);
    expect((await s.send(as(DEPLOYER), { instance: 'dev-bob', message: 'anyone' })).request.requester).toBe(DEPLOYER);
  });

  it('warns about missing dependencies but still sends', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Workflow/Onboarding': { content: 'w', dependsOn: ['Layout/Missing', 'Layout/Account'] } }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'needs a layout' });
    expect(sent.warnings).toHaveLength(1);
    expect(plain(sent.warnings[0]!)).toContain('Workflow/Onboarding depends on Layout/Missing');
    expect(sent.request.state).toBe('pending_approval');
  });

  it('keeps the warnings its sender was given with the request, for its approvers: a missing dependency, components outside its change request', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world, { customizations: ['Layout/Account'] });
    await world.put('staging', { 'Layout/Account': 'v2', 'Flow/Extra': { content: 'x', dependsOn: ['Layout/Missing'] } });
    const sent = await s.send(as(ADMIN), { instance: 'staging', message: 'release', changeRequestId: cr.id });
    const stored = (await s.requestOverview(sent.request.id)).request.warnings.map(plain);
    expect(stored).toEqual(sent.warnings.map(plain));
    expect(stored).toContainEqual(expect.stringContaining('Flow/Extra depends on Layout/Missing'));
    expect(stored).toContainEqual(`1 component outside the customizations of CR-${cr.id}: Flow/Extra.`);
  });

  it('no warning when the dependency travels in the same package', async () => {
    await world.put('dev-alice', { 'Workflow/Onboarding': { content: 'w', dependsOn: ['Layout/Missing'] }, 'Layout/Missing': 'now here' }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'with its layout' });
    expect(sent.warnings).toEqual([]);
  });

  it('where a change request is required, only an approved one is accepted (CHANGE_REQUEST_REQUIRED)', async () => {
    const s = world.services;
    await world.put('staging', { 'Layout/Account': 'v2' });
    const missing = await refused(s.send(as(ALICE), { instance: 'staging', message: 'to production' }), 'CHANGE_REQUEST_REQUIRED');
    expect(missing.message).toContain('Attach one to the send (see `sandbox cr list`)');
    expect(missing.message).toContain('`sandbox cr new`');

    const draft = await s.changeRequests.create(as(ALICE), { name: 'Draft', type: 'standard', overview: 'not yet submitted' });
    const unsubmitted = await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: draft.id }), 'CHANGE_REQUEST_REQUIRED');
    expect(unsubmitted.message).toContain(`CR-${draft.id} is draft`);
    expect(unsubmitted.message).toContain('Submit it for approval first');
    await s.changeRequests.submit(as(ALICE), draft.id);
    await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: draft.id }), 'CHANGE_REQUEST_REQUIRED');
    await refused(s.send(as(ALICE), { instance: 'staging', message: 'x', changeRequestId: 999 }), 'NOT_FOUND');
    expect(await counts(db)).toMatchObject(noRequests);

    const cr = await approvedChangeRequest(world);
    const sent = await s.send(as(ALICE), { instance: 'staging', message: 'to production', changeRequestId: cr.id });
    expect(sent.target.name).toBe('Production');
    expect(sent.request.changeRequestId).toBe(cr.id);
    expect((await s.changeRequests.show(cr.id)).changeRequest.state).toBe('in_progress');
  });

  it('every refusal is in the audit with its code', async () => {
    await refused(world.services.send(as(ALICE), { instance: 'dev-alice', message: 'nothing' }), 'NOTHING_TO_SEND');
    await refused(world.services.send(as(BOB), { instance: 'dev-alice', message: 'not mine' }), 'NOT_PERMITTED');
    const events = (await world.services.audit({ subject: 'dev-alice' })).filter((e) => e.action === 'send');
    expect(events.map((e) => [e.actor, e.outcome, (e.details as { code: string }).code])).toEqual([
      [ALICE, 'refused', 'NOTHING_TO_SEND'],
      [BOB, 'refused', 'NOT_PERMITTED'],
    ]);
    expect(events[0]!.via).toBe('cli');
  });

  it('a successful send is audited on its request', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'm' });
    expect(await auditTrail(world, `DR-${sent.request.id}`)).toEqual([['send', 'pending_approval']]);
    void QA_MEMBER;
  });
});

const singleEnvironmentConfig = `
admins: [U0ADMIN]
environments:
  - name: Sandbox
    kind: development
    instances: [{ name: dev-alice, owner: U0ALICE }]
  - name: Production
    kind: production
    instances: [production]
    approvals: { required: 1, approvers: [U0BOB] }
    deployers: [U0DEPLOY]
`;

describe('send in a single-environment setup', () => {
  beforeEach(async () => {
    world = await createWorld(db, singleEnvironmentConfig);
  });

  it('sends the one sandbox environment straight to production, and deploys there', async () => {
    const s = world.services;
    await world.put('production', { 'Layout/Account': 'v1' });
    await s.sync(as(ALICE), 'dev-alice');
    expect((await s.sendPreview('dev-alice')).label).toBe('Send to Production');
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'straight up' });
    expect(sent.target.name).toBe('Production');
    expect(sent.targetInstance.name).toBe('production');
    await s.approve(as(BOB), sent.request.id);
    const deployed = await s.deploy(as(DEPLOYER), sent.request.id);
    expect(deployed.succeeded).toBe(true);
    expect((await s.components.list('production')).map((c) => c.content)).toEqual(['v2']);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Ready');
  });
});

describe('send: target instance', () => {
  beforeEach(async () => {
    world = await createWorld(db, twoStagingConfig);
  });

  it("is the target environment's first instance until the sender syncs; then its synced parent", async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/A': 'a' }, ALICE);
    const unsynced = await s.send(as(ALICE), { instance: 'dev-alice', message: 'never synced' });
    expect(unsynced.targetInstance.name).toBe('staging-a');
    // Staging needs no approval: the request is deployable at once.
    expect(unsynced.request.state).toBe('approved');
    await s.reject(as(ALICE), unsynced.request.id, 'withdrawn');

    await world.put('staging-b', { 'Layout/B': 'b' });
    await s.sync(as(ALICE), 'dev-alice', 'staging-b');
    await world.put('dev-alice', { 'Layout/C': 'c' }, ALICE);
    const synced = await s.send(as(ALICE), { instance: 'dev-alice', message: 'to my parent' });
    expect(synced.targetInstance.name).toBe('staging-b');
    const deployed = await s.deploy(as(DEPLOYER), synced.request.id);
    expect(deployed.succeeded).toBe(true);
    expect((await s.components.list('staging-b')).map((c) => c.key)).toContain('Layout/C');
    expect((await s.components.list('staging-a')).map((c) => c.key)).toEqual([]);
  });
});
