import type { DeliveryMetrics, EnvironmentMetrics } from '../domain/services/metrics.ts';

/** Delivery metrics in words, the same on the command line and in Slack. */

const oneDecimal = (n: number) => String(Math.round(n * 10) / 10);

/** `45 min`, `3.5 h`, `2.1 d`; `–` when there was nothing to measure. */
export function hoursText(hours: number | null): string {
  if (hours === null) return '–';
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  return hours < 48 ? `${oneDecimal(hours)} h` : `${oneDecimal(hours / 24)} d`;
}

export const rateText = (rate: number | null) => (rate === null ? '–' : `${Math.round(rate * 100)}%`);

/** Each figure of one environment with its name. */
export const figures = (env: EnvironmentMetrics): [string, string][] => [
  ['Deployments', String(env.deployments)],
  ['Per week', oneDecimal(env.perWeek)],
  ['Lead time', hoursText(env.leadTimeHours)],
  ['Change failure rate', rateText(env.changeFailureRate)],
  ['Time to restore', hoursText(env.timeToRestoreHours)],
  ['Approval wait', hoursText(env.approvalWaitHours)],
];

export const periodText = (m: DeliveryMetrics) => `last ${m.days} ${m.days === 1 ? 'day' : 'days'}, since ${m.since.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** One row per environment, one column per figure, aligned for a terminal. */
export function metricsTable(m: DeliveryMetrics): string {
  const header = ['Environment', ...(m.environments[0] ? figures(m.environments[0]).map(([name]) => name) : [])];
  const rows = m.environments.map((env) => [env.name, ...figures(env).map(([, value]) => value)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`Delivery, ${periodText(m)} (medians for the times)`, line(header), ...rows.map(line)].join('\n');
}
