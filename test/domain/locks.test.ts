import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedForStaging, auditTrail, componentRows, counts, deployAs, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const lockOf = async (environment: string) => (await world.services.queue(environment))[0]!.environment.lock;

describe('locks', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
  });

  it('a lock records who, why and since when, and stops every deployment until unlocked', async () => {
    const request = await approvedForStaging(world);
    world.clock.advance(60_000);
    const locked = await world.services.lock(as(DEPLOYER), 'Staging', '  release freeze  ');
    expect(locked.lock).toEqual({ reason: 'release freeze', by: DEPLOYER, at: world.clock.now() });
    expect(await lockOf('Staging')).toEqual({ reason: 'release freeze', by: DEPLOYER, at: world.clock.now() });

    const before = await componentRows(db, 'staging');
    for (const user of [DEPLOYER, ADMIN]) {
      const error = await refused(deployAs(world, request.id, user), 'ENVIRONMENT_LOCKED');
      expect(error.message).toContain('Staging is locked by @U0DEPLOY');
      expect(error.message).toContain('"release freeze"');
      expect(error.message).toContain(world.clock.now().toISOString());
      expect(error.message).toContain('(`sandbox unlock Staging`)');
    }
    expect(await componentRows(db, 'staging')).toEqual(before);
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('approved');
    expect(await counts(db)).toMatchObject({ snapshots: 0 });

    // Other environments are not affected, and validate (a dry run) still works.
    expect(await lockOf('Production')).toBeNull();
    expect((await world.services.validate(as(DEPLOYER), request.id)).ok).toBe(true);
    // Refused deployments started no run.
    expect((await world.services.logs(`DR-${request.id}`)).map((r) => r.kind)).toEqual(['validate']);

    const unlocked = await world.services.unlock(as(ADMIN), 'Staging');
    expect(unlocked.lock).toBeNull();
    expect((await deployAs(world, request.id)).succeeded).toBe(true);
    expect(await auditTrail(world, 'Staging')).toEqual([
      ['lock', 'locked'],
      ['unlock', 'unlocked'],
    ]);
    const refusals = (await world.services.audit({ subject: `DR-${request.id}` })).filter((e) => e.outcome === 'refused');
    expect(refusals.map((e) => (e.details as { code: string }).code)).toEqual(['ENVIRONMENT_LOCKED', 'ENVIRONMENT_LOCKED']);
  });

  it("only the environment's deployers and admins lock and unlock", async () => {
    const error = await refused(world.services.lock(as(BOB), 'Staging', 'mine'), 'NOT_PERMITTED');
    expect(error.message).toContain('cannot lock deployments in Staging');
    expect(await lockOf('Staging')).toBeNull();
    await world.services.lock(as(ADMIN), 'Staging', 'admin lock');
    await refused(world.services.unlock(as(ALICE), 'Staging'), 'NOT_PERMITTED');
    expect((await lockOf('Staging'))?.reason).toBe('admin lock');
    expect(await auditTrail(world, 'Staging')).toEqual([
      ['lock', 'refused'],
      ['lock', 'locked'],
      ['unlock', 'refused'],
    ]);
  });

  it('a lock needs a reason; locking twice and unlocking an unlocked environment are refused', async () => {
    const noReason = await refused(world.services.lock(as(DEPLOYER), 'Staging', '   '), 'INVALID_INPUT');
    expect(noReason.message).toContain('a reason is required');
    expect(await lockOf('Staging')).toBeNull();
    await refused(world.services.unlock(as(DEPLOYER), 'Staging'), 'INVALID_STATE');
    await world.services.lock(as(DEPLOYER), 'Staging', 'first');
    const twice = await refused(world.services.lock(as(ADMIN), 'Staging', 'second'), 'INVALID_STATE');
    expect(twice.message).toContain('already locked by @U0DEPLOY');
    expect((await lockOf('Staging'))?.reason).toBe('first');
  });

  it('an unknown environment is refused with the list of environments', async () => {
    const error = await refused(world.services.lock(as(ADMIN), 'Qa', 'x'), 'NOT_FOUND');
    expect(error.message).toContain('Development, Staging, Production');
  });

  it('environment names are matched without regard to case', async () => {
    await world.services.lock(as(DEPLOYER), 'staging', 'lower case');
    expect((await lockOf('Staging'))?.reason).toBe('lower case');
  });
});
