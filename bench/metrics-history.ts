import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../src/db/client.ts';
import type { Services } from '../src/domain/services/index.ts';
import type { EnvironmentMetrics } from '../src/domain/services/metrics.ts';
import { measure, type Sample } from './measure.ts';

/**
 * Delivery metrics over a long history: 50,000 requests and 60,000 runs into production over the last 90 days,
 * seeded in SQL (not measured; the database's triggers count the days and restore the failures as for the app's own
 * writes), then `metrics --days 90` beside its floor, one statement that only counts them.
 */
export const HISTORY = { requests: 50_000, runs: 60_000, days: 90 };

/** The interval between one seeded row and the next, so that `count` rows spread evenly over the history's days, oldest first as the app writes them. */
const spread = (count: number) => sql.raw(`interval '${(HISTORY.days * 86_400) / count - 0.001} seconds'`);

export async function seedHistory(db: Database, environmentId: number, sourceId: number, targetId: number) {
  const [pkg] = await queryRows<{ id: number }>(
    db,
    sql`insert into packages (source_instance_id, change_hash, item_count, created_at) values (${sourceId}, 'bench-history', 0, now()) returning id`,
  );
  // Requests over 90 days: sent, approved one to five hours later, most deployed a few hours after that.
  await db.execute(sql`
    insert into deployment_requests (package_id, change_hash, source_instance_id, target_instance_id, target_environment_id,
      requester, message, state, created_at, updated_at, approved_at, deployed_at, deployed_by)
    select ${pkg!.id}, 'history-' || i, ${sourceId}, ${targetId}, ${environmentId}, 'U0BENCH', 'history ' || i,
           (case when i % 10 = 0 then 'rejected' when i % 25 = 0 then 'reverted' else 'deployed' end)::request_state,
           t, t, t + ((1 + i % 5) || ' hours')::interval,
           case when i % 10 = 0 then null else t + ((2 + i % 7) || ' hours')::interval end,
           case when i % 10 = 0 then null else 'U0BENCH' end
    from (select i, now() - (${HISTORY.requests + 1} - i) * ${spread(HISTORY.requests)} as t from generate_series(1, ${HISTORY.requests}) as i) s`);
  // Runs: mostly successful deployments, some failed ones, reverts and validations.
  await db.execute(sql`
    insert into runs (kind, status, user_id, message, environment_id, started_at, ended_at, summary)
    select (case when i % 20 = 0 then 'revert' when i % 7 = 0 then 'validate' else 'deploy' end)::run_kind,
           (case when i % 11 = 0 then 'failed' else 'succeeded' end)::run_status,
           'U0BENCH', 'history', ${environmentId}, t, t + interval '3 minutes', 'history'
    from (select i, now() - (${HISTORY.runs + 1} - i) * ${spread(HISTORY.runs)} as t from generate_series(1, ${HISTORY.runs}) as i) s`);
  // As autovacuum would have left a table that old: statistics, and a visibility map for index-only scans.
  await db.execute(sql`vacuum analyze runs`);
  await db.execute(sql`vacuum analyze deployment_requests`);
}

/** The floor: one statement counting the environment's requests and runs, and nothing more. */
const floorCount = (db: Database, environmentId: number) =>
  queryRows<{ requests: number; runs: number }>(
    db,
    sql`select (select count(*)::int from deployment_requests where target_environment_id = ${environmentId}) as requests,
               (select count(*)::int from runs where environment_id = ${environmentId}) as runs`,
  );

export async function benchMetrics(db: Database, services: Services, o: { warmup: number; repeats: number; progress(text: string): void }) {
  const store = services.deps.store;
  const production = (await store.environments.list()).find((e) => e.kind === 'production')!;
  const instances = await store.instances.list();
  const target = instances.find((i) => i.environmentId === production.id)!;
  const source = instances.find((i) => i.environmentId !== production.id)!;
  o.progress(`seeding ${HISTORY.requests.toLocaleString('en')} requests and ${HISTORY.runs.toLocaleString('en')} runs`);
  await seedHistory(db, production.id, source.id, target.id);
  const op: Sample[] = [];
  const floor: Sample[] = [];
  for (let rep = 0; rep < o.warmup + o.repeats; rep++) {
    const keep = rep >= o.warmup;
    o.progress(`metrics ${keep ? `${rep - o.warmup + 1}/${o.repeats}` : 'warm-up'}`);
    let counted = 0;
    const f = await measure(async () => {
      const [row] = await floorCount(db, production.id);
      counted = row!.runs;
    });
    let figures: EnvironmentMetrics | undefined;
    const m = await measure(async () => {
      figures = (await services.metrics({ environment: production.name, days: HISTORY.days })).environments[0];
    });
    // The bench's production requires no approval, so its approval wait is left out (though computed all the same).
    const { deployments = 0, leadTimeHours, timeToRestoreHours } = figures ?? {};
    if (counted !== HISTORY.runs || deployments < HISTORY.runs / 2 || [leadTimeHours, timeToRestoreHours].includes(null)) {
      throw new Error(`bench: the metrics saw ${deployments} deployments (${JSON.stringify(figures)}), the floor ${counted} runs`);
    }
    if (keep) {
      floor.push(f);
      op.push(m);
    }
  }
  return { op, floor };
}
