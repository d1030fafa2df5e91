import { lt } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { slackDeliveries } from '../schema.ts';

/** Deliveries from Slack already taken by some replica (see src/slack/deliveries.ts). */
export function slackDeliveryRepository(db: Database) {
  return {
    /** True the first time a delivery (`event:…` or `trigger:…`) is seen by any replica. */
    async first(key: string, at: Date): Promise<boolean> {
      const rows = await db.insert(slackDeliveries).values({ key, at }).onConflictDoNothing().returning({ key: slackDeliveries.key });
      return rows.length > 0;
    },
    /** Forgets deliveries older than `before`: Slack retries within minutes. */
    async prune(before: Date) {
      await db.delete(slackDeliveries).where(lt(slackDeliveries.at, before));
    },
  };
}
