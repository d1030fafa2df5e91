import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from './helpers/database.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, QA_MEMBER, as, createWorld, type World } from './helpers/world.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  world = await createWorld(db);
});

describe('smoke', () => {
  it('walks dev → staging', async () => {
    const s = world.services;
    await world.put('production', { 'Layout/Account': 'v1' });
    await world.put('staging', { 'Layout/Account': 'v1' });
    const synced = await s.sync(as(ALICE), 'dev-alice');
    expect(synced.taken).toEqual(['Layout/Account']);
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Workflow/Onboarding': 'w1' }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'new layout' });
    expect(sent.request.state).toBe('pending_approval');
    const voted = await s.approve(as(QA_MEMBER), sent.request.id);
    expect(voted.request.state).toBe('approved');
    const deployed = await s.deploy(as(DEPLOYER), sent.request.id);
    expect(deployed.succeeded).toBe(true);
    const st = await s.status();
    console.log(JSON.stringify(st.map((e) => e.instances.map((i) => [i.instance.name, i.project, i.changes]))));
    expect((await s.compare('dev-alice', 'staging')).differences).toEqual([]);
    void ADMIN; void BOB;
  });
});
