import { type SQL, sql } from 'drizzle-orm';
import type { DeliveryFigures, DeliveryPeriod, Repositories } from '../../domain/ports.ts';
import { type Database, queryRows } from '../client.ts';

const DAY = 86_400_000;

const hours = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** The rows of a raw query as plain records. */
const rowsOf = (db: Database, query: SQL) => queryRows<Record<string, unknown>>(db, query);

/**
 * Delivery figures in set-based SQL, per environment, none of them reading more than a day of the history row by
 * row: deployments and the number of deployed and approved requests come from `delivery_days` (kept by triggers)
 * plus the part of the first day inside the period; the failures and their times to restore (kept on each failure by
 * the trigger when the next successful deployment ends) from their own index ranges; and the medians of lead time and
 * approval wait (kept on each request) by reading only the middle one or two of an index ordered by the duration.
 * One read-only snapshot, so that the counts and the medians see the same rows.
 */
export function metricsRepository(db: Database): Repositories['metrics'] {
  return {
    delivery: (period, environmentIds) =>
      db.transaction((tx) => Promise.all(environmentIds.map((id) => figuresOf(tx as unknown as Database, id, period))), {
        isolationLevel: 'repeatable read',
        accessMode: 'read only',
      }),
  };
}

async function figuresOf(db: Database, environmentId: number, { since, firstWeek, weeks }: DeliveryPeriod): Promise<DeliveryFigures> {
  // postgres.js takes no Date in a raw query: the times go as text, cast in SQL.
  const from = since.toISOString();
  const firstDay = from.slice(0, 10);
  const secondDay = new Date(Date.parse(firstDay) + DAY).toISOString();
  const within = (column: string) => sql`${sql.raw(column)} >= ${from}::timestamptz and ${sql.raw(column)} < ${secondDay}::timestamptz`;
  const [perWeek, [failures]] = await Promise.all([
    rowsOf(
      db,
      sql`
      select (day - ${firstWeek.toISOString().slice(0, 10)}::date) / 7 as week,
             sum(deployments)::int as deployments, sum(deployed)::int as deployed, sum(approved)::int as approved
      from (
        select day, deployments, deployed, approved from delivery_days where environment_id = ${environmentId} and day > ${firstDay}::date
        union all
        select ${firstDay}::date,
               (select count(*) from runs where environment_id = ${environmentId} and kind = 'deploy' and status = 'succeeded' and ${within('ended_at')}),
               (select count(*) from deployment_requests where target_environment_id = ${environmentId} and ${within('deployed_at')}),
               (select count(*) from deployment_requests where target_environment_id = ${environmentId} and ${within('approved_at')})
      ) days
      group by 1`,
    ),
    rowsOf(
      db,
      sql`
      select count(*) filter (where kind = 'deploy') as failed, count(*) filter (where kind = 'revert') as reverted,
             percentile_cont(0.5) within group (order by restore_seconds) / 3600 as hours
      from runs
      where environment_id = ${environmentId} and ended_at >= ${from}::timestamptz
        and ((kind = 'deploy' and status = 'failed') or (kind = 'revert' and status = 'succeeded'))`,
    ),
  ]);
  const total = (column: string) => perWeek.reduce((sum, row) => sum + Number(row[column]), 0);
  const [lead, wait] = await Promise.all([
    medianHours(db, environmentId, 'lead_seconds', 'deployed_at', from, total('deployed')),
    medianHours(db, environmentId, 'wait_seconds', 'approved_at', from, total('approved')),
  ]);
  const weekly = new Array<number>(weeks).fill(0);
  for (const row of perWeek) if (Number(row.week) < weeks) weekly[Number(row.week)] = Number(row.deployments);
  return {
    environmentId,
    weekly,
    failed: Number(failures?.failed ?? 0),
    reverted: Number(failures?.reverted ?? 0),
    leadTimeHours: lead,
    timeToRestoreHours: hours(failures?.hours),
    approvalWaitHours: wait,
  };
}

/**
 * The median, in hours, of a duration kept on the requests (`lead_seconds`, `wait_seconds`) of the `count` whose
 * `at` falls in the period: the middle one or two read from the index ordered by that duration, without a sort.
 */
async function medianHours(db: Database, environmentId: number, duration: string, at: string, from: string, count: number) {
  if (count === 0) return null;
  const middle = await rowsOf(
    db,
    sql`select ${sql.raw(duration)} as seconds from deployment_requests
        where target_environment_id = ${environmentId} and ${sql.raw(at)} >= ${from}::timestamptz
        order by ${sql.raw(duration)} offset ${Math.floor((count - 1) / 2)} limit ${2 - (count % 2)}`,
  );
  if (middle.length === 0) return null;
  return middle.reduce((sum, row) => sum + Number(row.seconds), 0) / middle.length / 3600;
}
