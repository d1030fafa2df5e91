import { asc, eq } from 'drizzle-orm';
import type { RunState, RunStatusRepository } from '../../domain/api-tokens.ts';
import type { Database } from '../client.ts';
import { runStatuses } from '../schema.ts';

export function runStatusRepository(db: Database): RunStatusRepository {
  return {
    async report(status) {
      await db.insert(runStatuses).values(status);
    },
    async of(runId) {
      const rows = await db
        .select({ runId: runStatuses.runId, at: runStatuses.at, reporter: runStatuses.reporter, state: runStatuses.state, description: runStatuses.description })
        .from(runStatuses)
        .where(eq(runStatuses.runId, runId))
        .orderBy(asc(runStatuses.id));
      return rows.map((r) => ({ ...r, state: r.state as RunState }));
    },
  };
}
