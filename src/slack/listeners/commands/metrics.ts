import { count } from '../../../domain/pipeline.ts';
import { metricsArguments, metricsReply } from '../../blocks/metrics.ts';
import type { SlackDeps } from '../../listener-deps.ts';
import type { DeliveryMetrics } from '../../../domain/services/metrics.ts';
import type { Subcommand } from './subcommand.ts';

/** The chart of deployments per week, into the user's direct messages with the app: answers to commands are private. */
async function shareChart(deps: SlackDeps, user: string, metrics: DeliveryMetrics) {
  const { deliveryChartPng } = await import('../../../charts/delivery-chart.ts');
  const bytes = await deliveryChartPng(metrics);
  const deployments = metrics.environments.reduce((sum, e) => sum + e.deployments, 0);
  await deps.chat.upload({
    channel: await deps.chat.dmChannel(user),
    filename: `delivery-${metrics.days}d.png`,
    bytes,
    title: `Deployments per week, last ${metrics.days} days`,
    altText: `Bar chart of ${count(deployments, 'successful deployment')} per week over the last ${metrics.days} days, by environment: ${metrics.environments.map((e) => `${e.name} ${e.deployments}`).join(', ')}.`,
    comment: `:bar_chart: Deployments per week, last ${metrics.days} days`,
  });
}

/** `/sandbox metrics [environment] [--days N]`: the figures privately, the chart in the user's direct messages. */
export const metricsSubcommand: Subcommand = {
  args: [0, 3],
  async run({ args, user, reply, deps }) {
    const parsed = metricsArguments(args);
    if (typeof parsed === 'string') return reply(`:no_entry: ${parsed} Usage: \`/sandbox metrics [environment] [--days N]\`.`);
    const metrics = await deps.services.metrics(parsed);
    await reply(metricsReply(metrics, 'The chart of deployments per week follows in your direct messages with the app.'));
    try {
      await shareChart(deps, user, metrics);
    } catch (error) {
      deps.logger.error(`Could not share the metrics chart with ${user}: ${(error as Error).message}`);
      await reply(':warning: The chart could not be uploaded to Slack just now; the figures above stand. `sandbox metrics --png FILE` draws it on the command line.');
    }
  },
};
