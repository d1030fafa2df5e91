import { type SQL, sql } from 'drizzle-orm';
import type { DeliveryFigures, Repositories } from '../../domain/ports.ts';
import { type Database, queryRows } from '../client.ts';

/** Seconds since the epoch as float8: date_part's float arithmetic sorts far faster than extract()'s numeric. */
const epoch = (column: string) => sql.raw(`date_part('epoch', ${column})`);

/** 1970-01-05T00:00:00Z, the first Monday of the epoch, in seconds. */
const MONDAY_EPOCH = 4 * 86_400;
const WEEK_SECONDS = 7 * 86_400;

const hours = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** One query per environment through a lateral join, so that each environment's rows are read from its index range. */
const perEnvironment = (db: Database, ids: SQL, figures: SQL) =>
  queryRows<Record<string, unknown>>(db, sql`select e.id as "environmentId", f.* from environments e cross join lateral (${figures}) f where e.id in (${ids})`);

/**
 * Delivery figures in set-based SQL, per environment: one ordered pass over the period's runs (runs_outcomes_idx)
 * and one index range over its requests for each median, whatever the size of the history. The three statements are
 * independent, so that on a server they run side by side on connections of the pool. "Time to restore" pairs each
 * failure (a failed deployment run, a revert) with the next successful deployment through a window over the runs in
 * time order, never a lookup per failure.
 */
export function metricsRepository(db: Database): Repositories['metrics'] {
  return {
    async delivery(since, environmentIds) {
      if (environmentIds.length === 0) return [];
      // postgres.js takes no Date in a raw query: the time goes as text, cast in SQL.
      const from = since.toISOString();
      const ids = sql.join(environmentIds.map((id) => sql`${id}`), sql`, `);
      const [outcomes, lead, waited] = await Promise.all([
        perEnvironment(
          db,
          ids,
          sql`
          select count(*) filter (where kind = 'deploy' and status = 'succeeded') as deployments,
                 count(*) filter (where kind = 'deploy' and status = 'failed') as failed,
                 count(*) filter (where kind = 'revert' and status = 'succeeded') as reverted,
                 percentile_cont(0.5) within group (order by ${epoch('next_success')} - ${epoch('ended_at')})
                   filter (where next_success is not null and ((kind = 'deploy' and status = 'failed') or (kind = 'revert' and status = 'succeeded'))) / 3600 as hours
          from (
            -- The first successful deployment after each run: a running minimum over the later runs, newest first (a
            -- frame that starts at the partition's start is computed incrementally, in one pass).
            select kind, status, ended_at,
                   min(ended_at) filter (where kind = 'deploy' and status = 'succeeded')
                     over (order by ended_at desc rows between unbounded preceding and 1 preceding) as next_success
            from runs
            where environment_id = e.id and kind in ('deploy', 'revert') and ended_at >= ${from}::timestamptz
          ) outcomes`,
        ),
        perEnvironment(
          db,
          ids,
          sql`select percentile_cont(0.5) within group (order by ${epoch('deployed_at')} - ${epoch('created_at')}) / 3600 as hours
              from deployment_requests where target_environment_id = e.id and deployed_at >= ${from}::timestamptz`,
        ),
        perEnvironment(
          db,
          ids,
          sql`select percentile_cont(0.5) within group (order by ${epoch('approved_at')} - ${epoch('created_at')}) / 3600 as hours
              from deployment_requests where target_environment_id = e.id and approved_at >= ${from}::timestamptz`,
        ),
      ]);
      const of = (rows: Record<string, unknown>[], id: number) => rows.find((r) => Number(r.environmentId) === id) ?? {};
      return environmentIds.map((id): DeliveryFigures => {
        const o = of(outcomes, id);
        return {
          environmentId: id,
          deployments: Number(o.deployments ?? 0),
          failed: Number(o.failed ?? 0),
          reverted: Number(o.reverted ?? 0),
          leadTimeHours: hours(of(lead, id).hours),
          timeToRestoreHours: hours(o.hours),
          approvalWaitHours: hours(of(waited, id).hours),
        };
      });
    },
    async weekly(since, environmentIds) {
      if (environmentIds.length === 0) return [];
      const from = since.toISOString();
      const ids = sql.join(environmentIds.map((id) => sql`${id}`), sql`, `);
      // Weeks counted from a Monday (1970-01-05, UTC) by arithmetic on the epoch: far cheaper per row than date_trunc.
      const rows = await queryRows<{ environmentId: number; week: number | string; deployments: number | string }>(
        db,
        sql`
        select environment_id as "environmentId", floor((${epoch('ended_at')} - ${MONDAY_EPOCH}) / ${WEEK_SECONDS})::int as week, count(*) as deployments
        from runs
        where kind = 'deploy' and status = 'succeeded' and ended_at >= ${from}::timestamptz and environment_id in (${ids})
        group by 1, 2`,
      );
      return rows.map((r) => ({ environmentId: Number(r.environmentId), week: new Date((MONDAY_EPOCH + Number(r.week) * WEEK_SECONDS) * 1000), deployments: Number(r.deployments) }));
    },
  };
}
