import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrationsFolder, queryRows } from '../../src/db/client.ts';
import type { Store } from '../../src/domain/ports.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createWorld } from '../helpers/world.ts';
import { seedPipeline } from '../domain/support.ts';

let db: TestDatabase;
let store: Store;
let staging: number;
let production: number;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  const world = await createWorld(db);
  await seedPipeline(world, { 'Layout/Account': 'v1' });
  store = world.services.deps.store;
  const environments = await store.environments.list();
  staging = environments.find((e) => e.kind === 'staging')!.id;
  production = environments.find((e) => e.kind === 'production')!.id;
});

const at = (text: string) => new Date(`${text}Z`);

/** A run of `environmentId` from `started` to `ended`, ended with `status` as the app ends runs. */
async function run(environmentId: number, kind: 'deploy' | 'revert', status: 'succeeded' | 'failed', started: string, ended: string) {
  const created = await store.runs.create({ kind, user: 'U0ALICE', message: null, requestId: null, instanceId: null, environmentId, startedAt: at(started) });
  await store.runs.finish(created.id, status, at(ended), null);
  return created.id;
}

const days = (environmentId: number) =>
  queryRows<{ day: string; deployments: number; deployed: number; approved: number }>(
    db.db,
    sql`select to_char(day, 'YYYY-MM-DD') as day, deployments, deployed, approved from delivery_days where environment_id = ${environmentId} and (deployments, deployed, approved) <> (0, 0, 0) order by day`,
  );

const restored = async (id: number) =>
  (await queryRows<{ restored: string | null }>(db.db, sql`select to_char(restored_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as restored from runs where id = ${id}`))[0]!.restored;

/** A request into `environmentId`, sent at `created`, with the times given (raw, as another writer would). */
async function request(environmentId: number, created: string, times: { approved?: string; deployed?: string }) {
  const [row] = await queryRows<{ id: number }>(
    db.db,
    sql`insert into deployment_requests (package_id, change_hash, source_instance_id, target_instance_id, target_environment_id, requester, message, state, created_at, updated_at, approved_at, deployed_at)
        select p.id, 'h-' || ${created}, p.source_instance_id, i.id, ${environmentId}, 'U0ALICE', 'm', 'approved', ${at(created).toISOString()}::timestamptz, now(),
               ${times.approved ? at(times.approved).toISOString() : null}::timestamptz, ${times.deployed ? at(times.deployed).toISOString() : null}::timestamptz
        from packages p, instances i where i.environment_id = ${environmentId} limit 1
        returning id`,
  );
  return row!.id;
}

describe('the database keeps the days of delivery metrics', () => {
  it('counts a successful deployment on the day it ended, and restores the failures of its environment before it', async () => {
    await db.db.execute(sql`insert into packages (source_instance_id, change_hash, item_count, created_at) select id, 'p', 0, now() from instances limit 1`);
    const failed = await run(staging, 'deploy', 'failed', '2026-03-02T08:00:00', '2026-03-02T08:10:00');
    const reverted = await run(staging, 'revert', 'succeeded', '2026-03-02T09:00:00', '2026-03-02T09:05:00');
    const elsewhere = await run(production, 'deploy', 'failed', '2026-03-02T09:00:00', '2026-03-02T09:30:00');
    expect(await days(staging)).toEqual([]);

    await run(staging, 'deploy', 'succeeded', '2026-03-02T23:50:00', '2026-03-03T00:20:00');
    expect(await days(staging)).toEqual([{ day: '2026-03-03', deployments: 1, deployed: 0, approved: 0 }]);
    expect(await restored(failed)).toBe('2026-03-03 00:20');
    expect(await restored(reverted)).toBe('2026-03-03 00:20');
    // Production's failure waits for production's next successful deployment.
    expect(await restored(elsewhere)).toBeNull();

    const later = await run(staging, 'deploy', 'failed', '2026-03-04T10:00:00', '2026-03-04T10:01:00');
    await run(staging, 'deploy', 'succeeded', '2026-03-04T11:00:00', '2026-03-04T11:30:00');
    expect(await restored(later)).toBe('2026-03-04 11:30');
    // An earlier failure keeps the deployment that restored it first.
    expect(await restored(failed)).toBe('2026-03-03 00:20');
    expect(await days(staging)).toEqual([
      { day: '2026-03-03', deployments: 1, deployed: 0, approved: 0 },
      { day: '2026-03-04', deployments: 1, deployed: 0, approved: 0 },
    ]);
  });

  it('counts a request on the day it was approved and the day it was deployed, and moves it when a time changes', async () => {
    await db.db.execute(sql`insert into packages (source_instance_id, change_hash, item_count, created_at) select id, 'p', 0, now() from instances limit 1`);
    const id = await request(production, '2026-03-02T10:00:00', { approved: '2026-03-02T12:00:00' });
    expect(await days(production)).toEqual([{ day: '2026-03-02', deployments: 0, deployed: 0, approved: 1 }]);

    await db.db.execute(sql`update deployment_requests set deployed_at = '2026-03-05T01:00:00Z', state = 'deployed' where id = ${id}`);
    await db.db.execute(sql`update deployment_requests set message = 'renamed', reminders_sent = 2 where id = ${id}`);
    expect(await days(production)).toEqual([
      { day: '2026-03-02', deployments: 0, deployed: 0, approved: 1 },
      { day: '2026-03-05', deployments: 0, deployed: 1, approved: 0 },
    ]);

    await db.db.execute(sql`update deployment_requests set approved_at = '2026-03-03T12:00:00Z' where id = ${id}`);
    expect(await days(production)).toEqual([
      { day: '2026-03-03', deployments: 0, deployed: 0, approved: 1 },
      { day: '2026-03-05', deployments: 0, deployed: 1, approved: 0 },
    ]);
  });

  it('reads a period that starts within a day: the part of that day inside it, then whole days', async () => {
    await db.db.execute(sql`insert into packages (source_instance_id, change_hash, item_count, created_at) select id, 'p', 0, now() from instances limit 1`);
    await run(staging, 'deploy', 'succeeded', '2026-03-02T05:00:00', '2026-03-02T06:00:00');
    await run(staging, 'deploy', 'succeeded', '2026-03-02T17:00:00', '2026-03-02T18:00:00');
    await run(staging, 'deploy', 'succeeded', '2026-03-09T09:00:00', '2026-03-09T10:00:00');
    // Lead times of 1, 2 and 4 hours: two of them deployed after noon on the 2nd.
    await request(staging, '2026-03-02T05:00:00', { approved: '2026-03-02T05:30:00', deployed: '2026-03-02T06:00:00' });
    await request(staging, '2026-03-02T16:00:00', { approved: '2026-03-02T17:00:00', deployed: '2026-03-02T18:00:00' });
    await request(staging, '2026-03-09T06:00:00', { approved: '2026-03-09T09:00:00', deployed: '2026-03-09T10:00:00' });

    const [figures] = await store.metrics.delivery({ since: at('2026-03-02T12:00:00'), firstWeek: at('2026-03-02T00:00:00'), weeks: 2 }, [staging]);
    expect(figures).toMatchObject({ weekly: [1, 1], leadTimeHours: 3, approvalWaitHours: 2 });
    const [all] = await store.metrics.delivery({ since: at('2026-03-01T12:00:00'), firstWeek: at('2026-02-23T00:00:00'), weeks: 3 }, [staging]);
    expect(all).toMatchObject({ weekly: [0, 2, 1], leadTimeHours: 2, approvalWaitHours: 1 });
  });

  it('counts the history of a database upgraded to them as the triggers count it from then on', async () => {
    await db.db.execute(sql`insert into packages (source_instance_id, change_hash, item_count, created_at) select id, 'p', 0, now() from instances limit 1`);
    const failed = await run(staging, 'deploy', 'failed', '2026-03-02T08:00:00', '2026-03-02T08:10:00');
    await run(staging, 'deploy', 'succeeded', '2026-03-02T09:00:00', '2026-03-02T09:20:00');
    await run(production, 'revert', 'succeeded', '2026-03-03T09:00:00', '2026-03-03T09:20:00');
    await run(production, 'deploy', 'succeeded', '2026-03-04T09:00:00', '2026-03-04T09:20:00');
    await request(production, '2026-03-02T10:00:00', { approved: '2026-03-02T12:00:00', deployed: '2026-03-04T09:20:00' });
    const kept = [await days(staging), await days(production)];

    // As before the migration: no days, nothing restored; then the migration's own statements for the history.
    await db.db.execute(sql`delete from delivery_days`);
    await db.db.execute(sql`update runs set restored_at = null`);
    const migration = readFileSync(`${migrationsFolder()}/0007_delivery_triggers.sql`, 'utf8').split('--> statement-breakpoint');
    for (const statement of migration.filter((s) => /^\s*(--.*\n\s*)*(UPDATE|INSERT)/.test(s))) await db.db.execute(sql.raw(statement));

    expect([await days(staging), await days(production)]).toEqual(kept);
    expect(await restored(failed)).toBe('2026-03-02 09:20');
  });
});
