import type { App } from '@slack/bolt';

/**
 * Acts on each event from Slack once. Slack delivers an event again (X-Slack-Retry-Num) when the first answer was
 * late, possibly to another replica: every replica records the events it takes in the database, and a delivery of
 * an event already taken is dropped (Bolt has acknowledged it already). Commands and interactions are not retried
 * by Slack; a repeated click is a delivery of its own, whose effect the domain makes happen once (one vote per
 * approver, one claim per deployment or revert), so they cost no database write before their acknowledgement.
 */
export function actOnceOnEachEvent(app: App, firstDelivery: (key: string) => Promise<boolean>) {
  app.use(async (args) => {
    const eventId = (args.body as { event_id?: string }).event_id;
    if (eventId && !(await firstDelivery(`event:${eventId}`))) {
      args.logger.info(`Ignored a repeated delivery of event ${eventId}${args.context.retryNum ? ` (retry ${args.context.retryNum})` : ''}`);
      return;
    }
    await args.next();
  });
}
