import { and, asc, count, eq, getTableColumns, gte, isNull, not, or, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Database } from '../client.ts';
import { processAlive } from '../processes.ts';
import { runLogLines, runs } from '../schema.ts';

// Log lines per INSERT.
const LINE_BATCH = 5_000;

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
      // One parameter of JSON a batch, not five a line: building a statement of thousands of parameters costs far more
      // than the insert (a command printing 100,000 lines), and stays under the 65,535 bind parameters anyway.
      for (let start = 0; start < lines.length; start += LINE_BATCH) {
        const batch = JSON.stringify(lines.slice(start, start + LINE_BATCH).map((line, i) => ({ seq: firstSeq + start + i, at: line.at.toISOString(), level: line.level, text: line.text })));
        await db.execute(sql`
          insert into ${runLogLines} (run_id, seq, at, level, text)
          select ${runId}, l.seq, l.at, l.level, l.text from json_to_recordset(${batch}::json) as l(seq integer, at timestamptz, level log_level, text text)`);
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
    async lineCount(runId) {
      const [row] = await db.select({ n: count() }).from(runLogLines).where(eq(runLogLines.runId, runId));
      return row?.n ?? 0;
    },
    orphaned: () =>
      db
        .select(runColumns)
        .from(runs)
        .where(and(eq(runs.status, 'running'), or(isNull(runs.processId), not(processAlive(runs.processId)))))
        .orderBy(asc(runs.id)),
  };
}
