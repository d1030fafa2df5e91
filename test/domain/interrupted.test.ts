import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerProcess } from '../../src/db/processes.ts';
import { createStore } from '../../src/db/store.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { contents, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

describe('a deployment whose process died', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('is marked interrupted with a log line, its request failed "interrupted", and it can be deployed again', async () => {
    const s = world.services;
    const store = s.deps.store;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const { request } = await s.send(as(ALICE), { instance: 'dev-alice', message: 'interrupted once' });
    await s.approve(as(QA_MEMBER), request.id);
    // What a killed process leaves behind: the request claimed, its run started, its transaction never committed.
    await store.requests.transition(request.id, ['approved'], 'deploying', {});
    const run = await store.runs.create({ kind: 'deploy', user: DEPLOYER, message: 'interrupted once', requestId: request.id, instanceId: null, environmentId: null, startedAt: world.clock.now() });
    await store.runs.appendLines(run.id, 0, [{ at: world.clock.now(), level: 'info', text: 'Deploying…' }]);
    const before = await contents(world, 'staging');

    const recovered = await s.recoverInterruptedRuns();
    expect(recovered.map((r) => [r.id, r.status])).toEqual([[run.id, 'interrupted']]);
    const [logged] = await s.logs(`RUN-${run.id}`);
    expect(logged).toMatchObject({ status: 'interrupted', summary: 'interrupted' });
    expect(logged!.lines.map((l) => l.text)).toEqual([
      'Deploying…',
      'Interrupted: the process running this stopped before it finished. Nothing was changed; it can be run again.',
    ]);
    expect((await s.report(`DR-${request.id}`)).request).toMatchObject({ state: 'failed', reason: 'interrupted' });
    expect(await contents(world, 'staging')).toEqual(before);
    expect(await s.recoverInterruptedRuns()).toEqual([]);

    const again = await s.deploy(as(DEPLOYER), request.id);
    expect(again.succeeded).toBe(true);
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v2' });
  });

  it('leaves alone the runs of a process that is alive, and recovers them once its lock is gone', async () => {
    const s = world.services;
    const registration = await registerProcess(await db.session(), 'test');
    const store = createStore(db.db, registration.id);
    const run = await store.runs.create({ kind: 'sync', user: ALICE, message: null, requestId: null, instanceId: null, environmentId: null, startedAt: world.clock.now() });
    const other = await registerProcess(await db.session(), 'test');
    expect(other.id).not.toBe(registration.id);
    expect(await s.recoverInterruptedRuns()).toEqual([]);
    expect((await store.runs.byId(run.id))?.status).toBe('running');

    await registration.close();
    expect((await s.recoverInterruptedRuns()).map((r) => [r.id, r.status])).toEqual([[run.id, 'interrupted']]);
    // A process that still thinks the run is its own cannot end it differently any more.
    expect(await store.runs.finish(run.id, 'succeeded', world.clock.now(), 'done')).toBe(false);
    expect((await store.runs.byId(run.id))?.status).toBe('interrupted');
    await other.close();
  });
});
