import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeRequest } from '../../src/domain/types.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, approvedForProduction, componentRows, contents, deployAs, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
let cr: ChangeRequest;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const HOUR = 3_600_000;

describe('revert', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Workflow/Old': 'old', 'Layout/Keep': 'keep' });
    cr = await approvedChangeRequest(world);
  });

  /** Staging modifies, adds and deletes; the change goes to production, deployed by `deployer`. */
  async function deployToProduction(deployer = DEPLOYER) {
    await world.put('staging', { 'Layout/Account': 'v2', 'Layout/New': 'brand new' });
    await world.services.components.remove(as(ADMIN), 'staging', 'Workflow/Old');
    const request = await approvedForProduction(world, cr);
    world.clock.advance(HOUR);
    const deployed = await deployAs(world, request.id, deployer);
    expect(deployed.succeeded).toBe(true);
    return deployed.request;
  }

  it('reverts production only: below it a change is undone by sending a new one', async () => {
    const error = await refused(world.services.revert(as(ADMIN), 'Staging'), 'INVALID_STATE');
    expect(error.message).toContain('Only the latest production deployment can be reverted; Staging is not production');
  });

  it('keeps a lock that was already set, with its reason', async () => {
    await deployToProduction();
    await world.services.lock(as(DEPLOYER), 'Production', 'incident 42');
    const result = await world.services.revert(as(DEPLOYER));
    const production = (await world.services.status()).find((e) => e.environment.name === 'Production')!.environment;
    expect(production.lock?.reason).toBe('incident 42');
    expect(world.sink.textsOf(result.run.id)).toContain('Production is locked ("incident 42") until one of its deployers or an admin unlocks it. These changes can never be deployed again as-is.');
  });

  it('restores the exact state before the latest deployment and locks production', async () => {
    const before = await componentRows(db, 'production');
    const request = await deployToProduction();
    expect(await contents(world, 'production')).toEqual({ 'Layout/Account': 'v2', 'Layout/Keep': 'keep', 'Layout/New': 'brand new' });
    world.clock.advance(HOUR);

    const result = await world.services.revert(as(DEPLOYER));
    expect(result.restored).toBe(3);
    expect(result.environment.name).toBe('Production');
    expect(result.request).toMatchObject({ id: request.id, state: 'reverted', revertRunId: result.run.id });
    // Every column, including who changed each component and when: as before the deployment.
    expect(await componentRows(db, 'production')).toEqual(before);

    const production = (await world.services.status()).find((e) => e.environment.name === 'Production')!.environment;
    expect(production.lock).toEqual({ reason: 'reverted: find the cause first', by: DEPLOYER, at: world.clock.now() });

    // The revert runs with its own log, live and stored.
    expect(result.run).toMatchObject({ kind: 'revert', status: 'succeeded', user: DEPLOYER });
    const stored = (await world.services.logs(`RUN-${result.run.id}`))[0]!.lines.map((l) => l.text);
    expect(stored).toEqual(world.sink.textsOf(result.run.id));
    expect(stored).toContain('Restored 3 components');
    expect(stored.some((l) => l.includes('locked ("reverted: find the cause first")'))).toBe(true);
    expect((await world.services.logs(`DR-${request.id}`)).map((r) => r.kind)).toEqual(['deploy', 'revert']);

    const report = await world.services.report(`DR-${request.id}`);
    expect(report.revertChain).toEqual([`DR-${request.id} deployed by run RUN-${request.deployRunId}, reverted by run RUN-${result.run.id}`]);
    expect((await world.services.audit({ subject: `DR-${request.id}` })).at(-1)).toMatchObject({ action: 'revert', outcome: 'reverted', actor: DEPLOYER });
  });

  it('the reverted change set can never be sent or deployed again as-is', async () => {
    const request = await deployToProduction();
    await world.services.revert(as(DEPLOYER));
    await world.services.unlock(as(DEPLOYER), 'Production');
    // The change request was reverted with its deployment: another one carries what comes next.
    const next = await approvedChangeRequest(world);

    const again = await refused(
      world.services.send(as(ALICE), { instance: 'staging', message: 'again', changeRequestId: next.id, confirmDrift: true }),
      'REVERTED_AS_IS',
    );
    expect(again.message).toContain('a reverted project cannot be redeployed as-is; make more changes');
    // With or without a drift confirmation.
    await refused(world.services.send(as(ALICE), { instance: 'staging', message: 'again', changeRequestId: next.id }), 'REVERTED_AS_IS');
    const redeploy = await refused(deployAs(world, request.id), 'INVALID_STATE');
    expect(redeploy.message).toContain('reverted');

    // A sync does not launder it either: the same change set from staging stays barred.
    const synced = await world.services.sync(as(ALICE), 'staging');
    expect(synced.kept).toEqual(['Layout/Account', 'Layout/New', 'Workflow/Old']);
    await refused(world.services.send(as(ALICE), { instance: 'staging', message: 'laundered', changeRequestId: next.id }), 'REVERTED_AS_IS');

    // More changes make a new change set, which may go.
    await world.put('staging', { 'Layout/Fix': 'the fix' });
    const fixed = await world.services.send(as(ALICE), { instance: 'staging', message: 'with a fix', changeRequestId: next.id });
    expect(fixed.request.state).toBe('pending_approval');
    expect(fixed.summary).toEqual({ added: 2, modified: 1, deleted: 1 });
  });

  it('production stays locked for deployments until someone unlocks it', async () => {
    await deployToProduction();
    await world.services.revert(as(DEPLOYER));
    await world.put('staging', { 'Layout/Other': 'o' });
    const request = await approvedForProduction(world, await approvedChangeRequest(world), { confirmDrift: true });
    const locked = await refused(deployAs(world, request.id), 'ENVIRONMENT_LOCKED');
    expect(locked.message).toContain('"reverted: find the cause first"');
    expect(locked.message).toContain('@U0DEPLOY');
    expect(locked.message).toContain('(`sandbox unlock Production`)');
    await world.services.unlock(as(ADMIN), 'Production');
    expect((await deployAs(world, request.id)).succeeded).toBe(true);
  });

  it('only the latest deployment is reverted, once', async () => {
    const first = await deployToProduction();
    await world.put('staging', { 'Layout/Second': 's' });
    const secondRequest = await approvedForProduction(world, cr, { confirmDrift: true });
    world.clock.advance(HOUR);
    const afterFirst = await componentRows(db, 'production');
    expect((await deployAs(world, secondRequest.id)).succeeded).toBe(true);

    const reverted = await world.services.revert(as(DEPLOYER));
    expect(reverted.request.id).toBe(secondRequest.id);
    expect(await componentRows(db, 'production')).toEqual(afterFirst);

    const error = await refused(world.services.revert(as(ADMIN)), 'NOTHING_TO_REVERT');
    expect(error.message).toContain(`DR-${secondRequest.id}, was already reverted. Only the latest deployment can be reverted.`);
    expect((await world.services.report(`DR-${first.id}`)).request.state).toBe('deployed');
    expect(await componentRows(db, 'production')).toEqual(afterFirst);
  });

  it('is allowed to the user who deployed and to admins, no one else', async () => {
    await deployToProduction(ADMIN);
    const error = await refused(world.services.revert(as(DEPLOYER)), 'NOT_PERMITTED');
    expect(error.message).toContain('Only @U0ADMIN, who deployed');
    await refused(world.services.revert(as(BOB)), 'NOT_PERMITTED');
    expect(await contents(world, 'production')).toMatchObject({ 'Layout/New': 'brand new' });
    const production = (await world.services.status()).find((e) => e.environment.name === 'Production')!.environment;
    expect(production.lock).toBeNull();

    const byAdmin = await world.services.revert(as(ADMIN));
    expect(byAdmin.request.state).toBe('reverted');
    const events = (await world.services.audit({ subject: 'production' })).filter((e) => e.action === 'revert');
    expect(events.map((e) => [e.actor, e.outcome])).toEqual([
      [DEPLOYER, 'refused'],
      [BOB, 'refused'],
    ]);
  });

  it('an admin may revert a deployment someone else made', async () => {
    await deployToProduction(DEPLOYER);
    expect((await world.services.revert(as(ADMIN))).request.state).toBe('reverted');
  });

  it('an admin may revert only some components: those are restored, the change set is barred and production locked', async () => {
    const request = await deployToProduction();
    const result = await world.services.revert(as(ADMIN), 'Production', 'banner broke', ['Layout/New', 'Workflow/Old']);
    expect(result.only).toEqual(['Layout/New', 'Workflow/Old']);
    expect(result.restored).toBe(2);
    // The added component is gone again and the deleted one is back; the modified one stays as deployed.
    expect(await contents(world, 'production')).toEqual({ 'Layout/Account': 'v2', 'Layout/Keep': 'keep', 'Workflow/Old': 'old' });
    expect(result.request).toMatchObject({ id: request.id, state: 'reverted' });
    const production = (await world.services.status()).find((e) => e.environment.name === 'Production')!.environment;
    expect(production.lock?.reason).toBe('reverted: banner broke');
    expect(world.sink.textsOf(result.run.id)).toContain(`Reverting 2 components of DR-${request.id} in Production: Layout/New, Workflow/Old`);
    expect((await world.services.audit({ subject: `DR-${request.id}` })).at(-1)).toMatchObject({ action: 'revert', outcome: 'reverted', details: expect.objectContaining({ only: ['Layout/New', 'Workflow/Old'] }) });
  });

  it('a selective revert is refused to a deployer who is no admin, and for components the deployment did not change', async () => {
    await deployToProduction();
    const notAdmin = await refused(world.services.revert(as(DEPLOYER), 'Production', undefined, ['Layout/New']), 'NOT_PERMITTED');
    expect(notAdmin.message).toContain('Only an admin can revert some components');
    const stranger = await refused(world.services.revert(as(ADMIN), 'Production', undefined, ['Layout/Keep']), 'INVALID_INPUT');
    expect(stranger.message).toContain('Layout/Keep was not changed by DR-');
    await refused(world.services.revert(as(ADMIN), 'Production', undefined, []), 'INVALID_INPUT');
    // Nothing was reverted: the deployment stays, production unlocked.
    expect(await contents(world, 'production')).toEqual({ 'Layout/Account': 'v2', 'Layout/Keep': 'keep', 'Layout/New': 'brand new' });
  });

  it('nothing deployed means nothing to revert', async () => {
    const error = await refused(world.services.revert(as(ADMIN)), 'NOTHING_TO_REVERT');
    expect(error.message).toContain('Nothing has been deployed to Production yet');
    expect((await world.services.revertable()).request).toBeUndefined();
  });
});
