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
 * late, and a load balancer may resend any request: every replica records the deliveries it takes in the
 * database, and a delivery already taken, here or on another replica, is acknowledged and dropped.
 */
export function actOnceOnEachDelivery(app: App, firstDelivery: (key: string) => Promise<boolean>) {
  app.use(async (args) => {
    const key = deliveryKey(args.body);
    if (key && !(await firstDelivery(key))) {
      const { ack } = args as { ack?: () => Promise<void> };
      await ack?.();
      args.logger.info(`Ignored a repeated delivery from Slack (${key}${args.context.retryNum ? `, retry ${args.context.retryNum}` : ''})`);
      return;
    }
    await args.next();
  });
}
