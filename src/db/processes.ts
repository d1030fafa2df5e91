import { hostname } from 'node:os';
import { type SQL, sql } from 'drizzle-orm';

/** First key of every process's advisory lock; the second is its id in `processes`. */
export const PROCESS_LOCK = 72_410_003;
/** How often a process checks that it still holds its lock (a dropped connection loses it) and shows it is alive. */
const HEARTBEAT_MS = 15_000;

/** True while the process `id` holds its advisory lock, i.e. while it lives (a SQL condition, for queries). */
export const processAlive = (id: SQL | SQL.Aliased | unknown): SQL =>
  sql`exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.classid = ${sql.raw(String(PROCESS_LOCK))}
    and l.objid = (${id})::oid and l.objsubid = 2 and l.granted
    and l.database = (select oid from pg_database where datname = current_database()))`;

/** One session of the database for the whole life of the process, on which its lock is held. */
export interface Session {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** Replaces a session whose connection broke. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

export interface ProcessRegistration {
  /** This process's id; runs it starts and threads it writes carry it. */
  id: number;
  close(): Promise<void>;
}

const HOLDS_LOCK = `select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
  and classid = ${PROCESS_LOCK} and objid = $1::oid and objsubid = 2 and granted) as held`;

/**
 * Registers this process and takes its lock in one statement, so that no other process sees it registered and
 * not yet alive. The lock goes when the session ends, however the process ends: that is how others know it died.
 */
export async function registerProcess(session: Session, kind: string, warn: (message: string) => void = () => {}): Promise<ProcessRegistration> {
  const [row] = await session.query<{ id: number }>(
    `with p as (insert into processes (kind, host, pid, started_at, seen_at) values ($1, $2, $3, now(), now()) returning id)
     select id, pg_advisory_lock(${PROCESS_LOCK}, id) from p`,
    [kind, hostname(), process.pid],
  );
  const id = row!.id;
  const heartbeat = async () => {
    try {
      const [state] = await session.query<{ held: boolean }>(HOLDS_LOCK, [id]).catch(async () => {
        await session.renew();
        return [{ held: false }];
      });
      if (!state?.held) {
        warn(`The database connection holding this process's lock was lost; it is taken again.`);
        await session.query(`select pg_advisory_lock(${PROCESS_LOCK}, $1)`, [id]);
      }
      await session.query('update processes set seen_at = now() where id = $1', [id]);
    } catch (error) {
      warn(`Could not show the database that this process is alive: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(() => void heartbeat(), HEARTBEAT_MS);
  timer.unref();
  return {
    id,
    async close() {
      clearInterval(timer);
      try {
        await session.query('delete from processes where id = $1', [id]);
        await session.query(`select pg_advisory_unlock(${PROCESS_LOCK}, $1)`, [id]);
      } finally {
        await session.release();
      }
    },
  };
}
