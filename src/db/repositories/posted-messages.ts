import { and, asc, eq, getTableColumns, gte, isNotNull, isNull, ne, not, or, type SQL, sql } from 'drizzle-orm';
import { idPrefixes } from '../../domain/ids.ts';
import type { MessageRole, PostedMessages } from '../../domain/ports.ts';
import { type Database, queryRows } from '../client.ts';
import { processAlive } from '../processes.ts';
import { postedMessages, runLogLines, runs } from '../schema.ts';

const { processId: _, ...runColumns } = getTableColumns(runs);

/** `processId`: the process this repository serves, which claims and writes the messages it posts. */
export function postedMessageRepository(db: Database, processId: number): PostedMessages {
  const where = (subject: string, role: MessageRole) => and(eq(postedMessages.subject, subject), eq(postedMessages.role, role));
  const thread = (subject: string) => where(subject, 'run');
  const mine = eq(postedMessages.writer, processId);
  /** Nobody alive holds the message: no writer recorded, or its process died (ids are never used again). */
  const unheld = or(isNull(postedMessages.writer), not(processAlive(postedMessages.writer)));
  const runOfThread = sql`${postedMessages.subject} = ${`${idPrefixes.run}-`}::text || ${runs.id}::text`;
  /** Inserts the unposted row for this process, or takes it over where `retake` holds of it; true when it is now ours. */
  const claimWhere = async (subject: string, role: MessageRole, channel: string, retake: SQL | undefined) => {
    const rows = await db
      .insert(postedMessages)
      .values({ subject, role, channel, ts: null, writer: processId })
      .onConflictDoUpdate({ target: [postedMessages.subject, postedMessages.role], set: { channel, writer: processId }, setWhere: and(isNull(postedMessages.ts), retake) })
      .returning({ subject: postedMessages.subject });
    return rows.length > 0;
  };
  return {
    async find(subject, role) {
      const [row] = await db.select().from(postedMessages).where(and(where(subject, role), isNotNull(postedMessages.ts)));
      return row && { ...row, ts: row.ts!, role: row.role as MessageRole };
    },
    async recordWrite(subject, role, fingerprint) {
      // One statement under the row's lock: concurrent writers are counted one after the other. On the right of SET,
      // columns are the row as it was before this write.
      const [row] = await db
        .update(postedMessages)
        .set({
          writes: sql`${postedMessages.writes} + 1`,
          content: fingerprint,
          contentSince: sql`case when ${postedMessages.content} = ${fingerprint} then ${postedMessages.contentSince} else ${postedMessages.writes} + 1 end`,
        })
        .where(where(subject, role))
        .returning({ writes: postedMessages.writes, contentSince: postedMessages.contentSince });
      if (!row) throw new Error(`no posted message ${subject} (${role}) to record a write of`);
      return row;
    },
    async save(message) {
      await db
        .insert(postedMessages)
        .values(message)
        .onConflictDoUpdate({ target: [postedMessages.subject, postedMessages.role], set: { channel: message.channel, ts: message.ts, linesPosted: message.linesPosted } });
    },
    // Again after this process's own post failed, or after the claimer died before posting.
    claim: (subject, role, channel) => claimWhere(subject, role, channel, or(mine, unheld)),
    claimOnce: (subject, role, channel) => claimWhere(subject, role, channel, unheld),
    async release(subject, role) {
      await db.delete(postedMessages).where(and(where(subject, role), isNull(postedMessages.ts), mine));
    },
    async claimThread(subject, channel) {
      const rows = await db
        .insert(postedMessages)
        .values({ subject, role: 'run', channel, ts: null, linesPosted: 0, writer: processId, complete: false })
        .onConflictDoNothing()
        .returning({ subject: postedMessages.subject });
      return rows.length > 0;
    },
    async recordThread(subject, { channel, ts, linesPosted }) {
      const rows = await db
        .update(postedMessages)
        .set({ channel, ts, linesPosted })
        .where(and(thread(subject), mine))
        .returning({ subject: postedMessages.subject });
      return rows.length > 0;
    },
    async completeThread(subject, linesPosted) {
      await db.update(postedMessages).set({ linesPosted, complete: true }).where(and(thread(subject), mine));
    },
    unfinishedThreads: () =>
      db
        .select({
          subject: postedMessages.subject,
          channel: postedMessages.channel,
          ts: postedMessages.ts,
          linesPosted: postedMessages.linesPosted,
          writer: postedMessages.writer,
          run: runColumns,
          lines: sql<number>`(select count(*)::int from ${runLogLines} where ${runLogLines.runId} = ${runs.id})`,
        })
        .from(postedMessages)
        .innerJoin(runs, runOfThread)
        .where(and(eq(postedMessages.role, 'run'), eq(postedMessages.complete, false), ne(runs.status, 'running'), or(mine, unheld)))
        .orderBy(asc(runs.id)),
    async takeThread(subject, writer) {
      const rows = await db
        .update(postedMessages)
        .set({ writer: processId })
        .where(and(thread(subject), eq(postedMessages.complete, false), writer === null ? isNull(postedMessages.writer) : eq(postedMessages.writer, writer)))
        .returning({ subject: postedMessages.subject });
      return rows.length > 0;
    },
    linesFrom: (runId, from, limit) => {
      const lines = db
        .select({ at: runLogLines.at, level: runLogLines.level, text: runLogLines.text })
        .from(runLogLines)
        .where(and(eq(runLogLines.runId, runId), gte(runLogLines.seq, from)))
        .orderBy(asc(runLogLines.seq))
        .$dynamic();
      return limit === undefined ? lines : lines.limit(limit);
    },
    async logText(runId, from, limit) {
      // Joined by the database: a page of a 100,000-line log is one string here, not thousands of rows.
      const [page] = await queryRows<{ text: string | null; count: number }>(db, sql`
        select string_agg(to_char(l.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' ' || rpad(l.level::text, 5) || ' ' || l.text || E'\n', '' order by l.seq) as text,
               count(*)::int as count
        from (select at, level, text, seq from ${runLogLines} where run_id = ${runId} and seq >= ${from} order by seq limit ${limit}) l`);
      return { text: page?.text ?? '', count: Number(page?.count ?? 0) };
    },
  };
}
