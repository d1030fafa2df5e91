import type { AnyMiddlewareArgs, App } from '@slack/bolt';

/** What identifies one delivery from Slack, however often it is sent: the event's id, or the interaction's trigger. */
function deliveryKey(body: AnyMiddlewareArgs['body']): string | undefined {
  const fields = body as { event_id?: string; trigger_id?: string };
  if (fields.event_id) return `event:${fields.event_id}`;
  if (fields.trigger_id) return `trigger:${fields.trigger_id}`;
  return undefined;
}

/**
 * Acts on each delivery from Slack once. Slack sends an event again (X-Slack-Retry-Num) when the first answer was
 * late: every replica records the deliveries it takes in the database, and a retry of a delivery already taken,
 * here or on another replica, is acknowledged and dropped. A first delivery is recorded without waiting, so that
 * acknowledging it within Slack's 3 seconds never waits for the database; its retries come seconds later.
 */
export function actOnceOnEachDelivery(app: App, firstDelivery: (key: string) => Promise<boolean>) {
  app.use(async (args) => {
    const key = deliveryKey(args.body);
    const retry = args.context.retryNum !== undefined;
    if (key && !retry) {
      firstDelivery(key).catch((error) => args.logger.warn(`Could not record a delivery from Slack: ${(error as Error).message}`));
    } else if (key && !(await firstDelivery(key))) {
      const { ack } = args as { ack?: () => Promise<void> };
      await ack?.();
      args.logger.info(`Ignored a repeated delivery from Slack (${key}, retry ${args.context.retryNum})`);
      return;
    }
    await args.next();
  });
}
