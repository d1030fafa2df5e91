import { lt } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { schedulerRuns } from '../schema.ts';

/** Ticks of the scheduled jobs, claimed in the database so that each runs on one replica only. */
export function schedulerRunRepository(db: Database, processId: number) {
  return {
    /** True for the one process whose claim of `key` (a job and its tick) came first. */
    async claim(key: string, at: Date): Promise<boolean> {
      const rows = await db.insert(schedulerRuns).values({ key, processId, at }).onConflictDoNothing().returning({ key: schedulerRuns.key });
      return rows.length > 0;
    },
    /** Forgets ticks older than `before`: no late replica reaches back that far. */
    async prune(before: Date) {
      await db.delete(schedulerRuns).where(lt(schedulerRuns.at, before));
    },
  };
}
