import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const HOUR = 3_600_000;

/** Moves the clock to `hours` after the start of the history. */
let start: number;
const at = (hours: number) => world.clock.set(new Date(start + hours * HOUR));

/**
 * Staging: DR-1 sent at 0 h, approved at 2 h, deployed at 3 h; DR-2 sent at 3 h, approved at 4 h, failed at 5 h (a
 * missing dependency); DR-3 sent at 5 h, approved at 6 h, deployed at 9 h. Production: DR-4 sent at 10 h, approved
 * at 11 h, deployed at 12 h and reverted at 13 h.
 */
async function history() {
  const s = world.services;
  at(0);
  await world.put('dev-alice', { 'Layout/A': 'a' }, ALICE);
  await s.send(as(ALICE), { instance: 'dev-alice', message: 'A' });
  at(2);
  await s.approve(as(QA_MEMBER), 1);
  at(3);
  await s.deploy(as(DEPLOYER), 1);
  await world.put('dev-alice', { 'Layout/B': { content: 'b', dependsOn: ['Flow/Missing'] } }, ALICE);
  await s.send(as(ALICE), { instance: 'dev-alice', message: 'B' });
  at(4);
  await s.approve(as(QA_MEMBER), 2);
  at(5);
  expect((await s.deploy(as(DEPLOYER), 2)).succeeded).toBe(false);
  await world.put('dev-alice', { 'Flow/Missing': 'm' }, ALICE);
  await s.send(as(ALICE), { instance: 'dev-alice', message: 'B with its dependency' });
  at(6);
  await s.approve(as(QA_MEMBER), 3);
  at(9);
  expect((await s.deploy(as(DEPLOYER), 3)).succeeded).toBe(true);
  at(10);
  const cr = await approvedChangeRequest(world);
  await s.send(as(ALICE), { instance: 'staging', message: 'release', changeRequestId: cr.id, confirmDrift: true });
  at(11);
  await s.approve(as(BOB), 4);
  await s.approve(as(CAROL), 4);
  at(12);
  await s.deploy(as(DEPLOYER), 4);
  at(13);
  await s.revert(as(DEPLOYER), 'Production', 'broke it');
}

describe('delivery metrics', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
    start = world.clock.now().getTime() + HOUR;
  });

  it('count deployments, lead time, change failure rate, time to restore and approval wait per environment', async () => {
    await history();
    at(24);
    const metrics = await world.services.metrics({ days: 30 });
    expect(metrics.days).toBe(30);
    expect(metrics.since.toISOString()).toBe(new Date(start + 24 * HOUR - 30 * 24 * HOUR).toISOString());
    const [staging, production] = metrics.environments;
    expect(staging).toMatchObject({
      name: 'Staging',
      deployments: 2,
      perWeek: 0.47,
      leadTimeHours: 3.5,
      changeFailureRate: 0.333,
      timeToRestoreHours: 4,
      approvalWaitHours: 1,
    });
    expect(production).toMatchObject({
      name: 'Production',
      deployments: 1,
      perWeek: 0.23,
      leadTimeHours: 2,
      changeFailureRate: 1,
      timeToRestoreHours: null,
      approvalWaitHours: 1,
    });
    expect(staging!.weekly.reduce((sum, w) => sum + w.deployments, 0)).toBe(2);
    expect(staging!.weekly.every((w) => /^\d{4}-\d{2}-\d{2}$/.test(w.week) && new Date(`${w.week}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
  });

  it('look only at the period asked for, and at one environment when named', async () => {
    await history();
    at(24 + 24 * 2);
    const recent = await world.services.metrics({ environment: 'staging', days: 1 });
    expect(recent.environments).toEqual([
      expect.objectContaining({ name: 'Staging', deployments: 0, perWeek: 0, leadTimeHours: null, changeFailureRate: null, timeToRestoreHours: null, approvalWaitHours: null }),
    ]);
    expect((await refused(world.services.metrics({ days: 0 }), 'INVALID_INPUT')).message).toContain('from 1 to 3650');
    await refused(world.services.metrics({ environment: 'Nowhere' }), 'NOT_FOUND');
  });
});
