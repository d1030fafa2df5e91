import type { ServiceDeps } from '../service-deps.ts';
import { InvalidInputError } from '../errors.ts';
import { findEnvironment } from '../lookups.ts';

const DAY = 24 * 3_600_000;
const WEEK = 7 * DAY;

export interface EnvironmentMetrics {
  name: string;
  /** Successful deployments in the period. */
  deployments: number;
  perWeek: number;
  /** Median hours from send to deployment. */
  leadTimeHours: number | null;
  /** Failed deployment runs plus reverted deployments, over successful plus failed deployment runs (0 to 1). */
  changeFailureRate: number | null;
  /** Median hours from a failed or reverted deployment to the next successful one. */
  timeToRestoreHours: number | null;
  /** Median hours from send to approval, where approval is required. */
  approvalWaitHours: number | null;
  /** Successful deployments per week (Mondays, UTC, `YYYY-MM-DD`), every week of the period. */
  weekly: { week: string; deployments: number }[];
}

export interface DeliveryMetrics {
  since: Date;
  days: number;
  environments: EnvironmentMetrics[];
}

const round = (value: number | null, digits: number) => (value === null ? null : Number(value.toFixed(digits)));

/** The Monday (UTC) of the week holding `at`. */
function weekOf(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
}

/**
 * Delivery metrics of the last `days` days, per environment that receives deployments (or the one named): how many
 * deployments and how often, lead time, change failure rate, time to restore and approval wait (DESIGN §12).
 */
export async function deliveryMetrics(deps: ServiceDeps, options: { environment?: string; days?: number } = {}): Promise<DeliveryMetrics> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new InvalidInputError(`The period must be a whole number of days from 1 to 3650, e.g. --days 30; not ${days}.`).about('days');
  const environments = options.environment
    ? [await findEnvironment(deps.store, options.environment)]
    : (await deps.store.environments.list()).filter((e) => e.kind !== 'development');
  const now = deps.clock.now();
  const since = new Date(now.getTime() - days * DAY);
  const firstWeek = weekOf(since);
  const weeks = Math.floor((now.getTime() - firstWeek.getTime()) / WEEK) + 1;
  const figures = await deps.store.metrics.delivery({ since, firstWeek, weeks }, environments.map((e) => e.id));
  const weekStarts = Array.from({ length: weeks }, (_, n) => new Date(firstWeek.getTime() + n * WEEK).toISOString().slice(0, 10));
  return {
    since,
    days,
    environments: environments.map((env) => {
      const f = figures.find((x) => x.environmentId === env.id)!;
      const deployments = f.weekly.reduce((sum, n) => sum + n, 0);
      const attempts = deployments + f.failed;
      return {
        name: env.name,
        deployments,
        perWeek: round((deployments * 7) / days, 2)!,
        leadTimeHours: round(f.leadTimeHours, 2),
        changeFailureRate: attempts ? round(Math.min(1, (f.failed + f.reverted) / attempts), 3) : null,
        timeToRestoreHours: round(f.timeToRestoreHours, 2),
        // Where no approval is required there is no wait to speak of: the figure is left out.
        approvalWaitHours: env.approvals.required > 0 ? round(f.approvalWaitHours, 2) : null,
        weekly: weekStarts.map((week, n) => ({ week, deployments: f.weekly[n] ?? 0 })),
      };
    }),
  };
}
