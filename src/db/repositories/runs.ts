import { and, asc, eq, getTableColumns, gte, isNull, not, or } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Database } from '../client.ts';
import { processAlive } from '../processes.ts';
import { runLogLines, runs } from '../schema.ts';

// Rows per INSERT of log lines: 5 parameters a row.
const LINE_BATCH = 10_000;

const { processId: _, restoredAt: _r, restoreSeconds: _s, callbackHash: _c, ...runColumns } = getTableColumns(runs);

/** `processId`: the process this repository serves, recorded on the runs it starts. */
export function runRepository(db: Database, processId: number | null): Repositories['runs'] {
  return {
    async create(run) {
      const [row] = await db.insert(runs).values({ ...run, status: 'running', processId }).returning(runColumns);
      if (!row) throw new Error('run insert returned nothing');
      return row;
    },
    async finish(id, status, endedAt, summary) {
      const rows = await db
        .update(runs)
        .set({ status, endedAt, summary })
        .where(and(eq(runs.id, id), eq(runs.status, 'running')))
        .returning({ id: runs.id });
      return rows.length > 0;
    },
    async appendLines(runId, firstSeq, lines) {
      // A sync of a large instance logs a line per component: batches stay under the 65,535 bind parameters.
      for (let start = 0; start < lines.length; start += LINE_BATCH) {
        const batch = lines.slice(start, start + LINE_BATCH);
        await db.insert(runLogLines).values(batch.map((line, i) => ({ runId, seq: firstSeq + start + i, ...line })));
      }
    },
    async byId(id) {
      const [row] = await db.select(runColumns).from(runs).where(eq(runs.id, id));
      return row;
    },
    async takesCallback(id, hash) {
      const rows = await db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.id, id), eq(runs.callbackHash, hash)));
      return rows.length > 0;
    },
    forRequest: (requestId) => db.select(runColumns).from(runs).where(eq(runs.requestId, requestId)).orderBy(asc(runs.id)),
    linesFrom: (runId, from, limit) =>
      db
        .select({ seq: runLogLines.seq, at: runLogLines.at, level: runLogLines.level, text: runLogLines.text })
        .from(runLogLines)
        .where(and(eq(runLogLines.runId, runId), gte(runLogLines.seq, from)))
        .orderBy(asc(runLogLines.seq))
        .limit(limit),
    lines: (runId) =>
      db
        .select({ at: runLogLines.at, level: runLogLines.level, text: runLogLines.text })
        .from(runLogLines)
        .where(eq(runLogLines.runId, runId))
        .orderBy(asc(runLogLines.seq)),
    orphaned: () =>
      db
        .select(runColumns)
        .from(runs)
        .where(and(eq(runs.status, 'running'), or(isNull(runs.processId), not(processAlive(runs.processId)))))
        .orderBy(asc(runs.id)),
  };
}
