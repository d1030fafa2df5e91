import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createWorld } from '../helpers/world.ts';
import { startRun } from '../../src/domain/run-log.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

describe('run log storage', () => {
  it('stores a log longer than one INSERT can bind (a large run, such as a deployment with thousands of conflicts)', async () => {
    const world = await createWorld(db);
    const runs = world.services.deps.store.runs;
    const run = await runs.create({ kind: 'sync', user: 'U0ADMIN', message: null, requestId: null, instanceId: null, environmentId: null, startedAt: world.clock.now() });
    // 5 bind parameters a line: 20,000 lines are 100,000 parameters, past PostgreSQL's 65,535.
    const lines = Array.from({ length: 20_000 }, (_, i) => ({ at: world.clock.now(), level: 'info' as const, text: `Took Layout/C${i}` }));
    await runs.appendLines(run.id, 0, lines.slice(0, 5));
    await runs.appendLines(run.id, 5, lines.slice(5));

    const stored = await runs.lines(run.id);
    expect(stored).toHaveLength(20_000);
    expect(stored.map((l) => l.text)).toEqual(lines.map((l) => l.text));
  });

  it('stores the lines of a long run behind its back as they pile up, in order, and the rest when it ends', async () => {
    const world = await createWorld(db);
    const log = await startRun(world.services.deps, { kind: 'sync', user: 'U0ADMIN', message: null, requestId: null, instanceId: null, environmentId: null });
    for (let i = 0; i < 2_500; i++) log.info(`line ${i}`);
    const runs = world.services.deps.store.runs;
    // Stored while the run goes on, with nobody asking.
    while ((await runs.lines(log.run.id)).length < 2_500);
    for (let i = 2_500; i < 4_500; i++) log.info(`line ${i}`);
    await log.finish('succeeded', null);
    expect((await runs.lines(log.run.id)).map((l) => l.text)).toEqual(Array.from({ length: 4_500 }, (_, i) => `line ${i}`));
  });
});
