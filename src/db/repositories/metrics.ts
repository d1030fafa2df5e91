import { sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import { type Database, queryRows } from '../client.ts';

const hours = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * Delivery figures in set-based SQL: a handful of aggregates over runs and requests, whatever the size of the history.
 * "Time to restore" pairs each failure (a failed deployment run, a revert) with the next successful deployment of its
 * environment through an index lookup, never a scan per failure.
 */
export function metricsRepository(db: Database): Repositories['metrics'] {
  return {
    async delivery(since, environmentIds) {
      if (environmentIds.length === 0) return [];
      // postgres.js takes no Date in a raw query: the time goes as text, cast in SQL.
      const from = since.toISOString();
      const ids = sql.join(environmentIds.map((id) => sql`${id}`), sql`, `);
      const rows = await queryRows<Record<string, unknown>>(
        db,
        sql`
        with outcomes as (
          select environment_id as env, kind, status, ended_at
          from runs
          where kind in ('deploy', 'revert') and ended_at >= ${from}::timestamptz and environment_id in (${ids})
        ),
        counted as (
          select env,
                 count(*) filter (where kind = 'deploy' and status = 'succeeded') as deployments,
                 count(*) filter (where kind = 'deploy' and status = 'failed') as failed,
                 count(*) filter (where kind = 'revert' and status = 'succeeded') as reverted
          from outcomes group by env
        ),
        lead as (
          select target_environment_id as env,
                 percentile_cont(0.5) within group (order by extract(epoch from deployed_at - created_at)) / 3600 as hours
          from deployment_requests
          where deployed_at >= ${from}::timestamptz and target_environment_id in (${ids})
          group by 1
        ),
        waited as (
          select d.target_environment_id as env,
                 percentile_cont(0.5) within group (order by extract(epoch from d.approved_at - d.created_at)) / 3600 as hours
          from deployment_requests d join environments e on e.id = d.target_environment_id
          where d.approved_at >= ${from}::timestamptz and d.target_environment_id in (${ids}) and (e.approvals->>'required')::int > 0
          group by 1
        ),
        restored as (
          select f.env,
                 percentile_cont(0.5) within group (order by extract(epoch from n.ended_at - f.ended_at)) / 3600 as hours
          from outcomes f
          cross join lateral (
            select r.ended_at from runs r
            where r.environment_id = f.env and r.kind = 'deploy' and r.status = 'succeeded' and r.ended_at > f.ended_at
            order by r.ended_at limit 1
          ) n
          where (f.kind = 'deploy' and f.status = 'failed') or (f.kind = 'revert' and f.status = 'succeeded')
          group by f.env
        )
        select e.id as "environmentId",
               coalesce(c.deployments, 0) as deployments, coalesce(c.failed, 0) as failed, coalesce(c.reverted, 0) as reverted,
               lead.hours as "leadTimeHours", restored.hours as "timeToRestoreHours", waited.hours as "approvalWaitHours"
        from environments e
        left join counted c on c.env = e.id
        left join lead on lead.env = e.id
        left join waited on waited.env = e.id
        left join restored on restored.env = e.id
        where e.id in (${ids})
        order by e.position`,
      );
      return rows.map((r) => ({
        environmentId: Number(r.environmentId),
        deployments: Number(r.deployments),
        failed: Number(r.failed),
        reverted: Number(r.reverted),
        leadTimeHours: hours(r.leadTimeHours),
        timeToRestoreHours: hours(r.timeToRestoreHours),
        approvalWaitHours: hours(r.approvalWaitHours),
      }));
    },
    async weekly(since, environmentIds) {
      if (environmentIds.length === 0) return [];
      const from = since.toISOString();
      const ids = sql.join(environmentIds.map((id) => sql`${id}`), sql`, `);
      const rows = await queryRows<{ environmentId: number; week: string; deployments: number | string }>(
        db,
        sql`
        select environment_id as "environmentId", to_char(date_trunc('week', ended_at at time zone 'UTC'), 'YYYY-MM-DD') as week, count(*) as deployments
        from runs
        where kind = 'deploy' and status = 'succeeded' and ended_at >= ${from}::timestamptz and environment_id in (${ids})
        group by 1, 2 order by 2`,
      );
      return rows.map((r) => ({ environmentId: Number(r.environmentId), week: new Date(`${r.week}T00:00:00Z`), deployments: Number(r.deployments) }));
    },
  };
}
