import type { KnownBlock } from '@slack/types';
import type { DeliveryMetrics } from '../../domain/services/metrics.ts';
import { figures, periodText } from '../../text/metrics.ts';
import { context, escape, section } from './format.ts';
import type { Reply } from './replies.ts';

/** `/sandbox metrics`: each environment's figures as fields, and where the chart goes. */
export function metricsReply(metrics: DeliveryMetrics, chartNote: string): Reply {
  const blocks: KnownBlock[] = [section(`:bar_chart: *Delivery metrics*, ${periodText(metrics)}`)];
  for (const env of metrics.environments.slice(0, 20)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${escape(env.name)}*` },
      fields: figures(env).map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${value}` })),
    });
  }
  blocks.push(context(`Times are medians. Change failure rate: failed deployments and reverts over all deployment attempts. ${chartNote}`));
  const summary = metrics.environments.map((e) => `${e.name}: ${e.deployments} deployments`).join('; ');
  return { text: `Delivery metrics, last ${metrics.days} days. ${summary}`, blocks };
}

/** `[environment] [--days N]`, as typed after `/sandbox metrics`. */
export function metricsArguments(args: string[]): { environment?: string; days?: number } | string {
  const words = [...args];
  let days: number | undefined;
  const flag = words.findIndex((w) => w === '--days' || w.startsWith('--days='));
  if (flag >= 0) {
    const [word] = words.splice(flag, 1);
    const value = word!.includes('=') ? word!.split('=')[1] : words.splice(flag, 1)[0];
    if (!value || !/^\d+$/.test(value)) return '`--days` takes a whole number of days, e.g. `--days 30`.';
    days = Number(value);
  }
  const unknown = words.find((w) => w.startsWith('--'));
  if (unknown) return `\`${escape(unknown)}\` is not an option of \`/sandbox metrics\`; it takes an environment and \`--days N\`.`;
  if (words.length > 1) return `\`/sandbox metrics\` takes one environment at most, not “${escape(words.join(' '))}”.`;
  return { environment: words[0], days };
}
