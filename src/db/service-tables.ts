import { boolean, integer, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { at } from './columns.ts';

/**
 * Chat messages the bot posted about a request, change request or run (`subject` is its id, e.g. DR-12),
 * so that they are updated in place from any process. `linesPosted` counts the run log lines already in the thread.
 */
export const postedMessages = pgTable(
  'posted_messages',
  {
    subject: text('subject').notNull(),
    role: text('role').notNull(),
    channel: text('channel').notNull(),
    /** Null while the message is being posted: the row claims the post, so that no other process posts it too. */
    ts: text('ts'),
    linesPosted: integer('lines_posted').notNull().default(0),
    /** A run's thread: the process writing it, and whether every line and the final parent are written. */
    writer: integer('writer'),
    complete: boolean('complete').notNull().default(true),
    /**
     * A card: how many writes (post or edit, by any process) were recorded, the fingerprint of the last one's content,
     * and from which write on every recorded write had that content. A writer compares them with the count it read
     * before rendering to learn whether another process wrote something else meanwhile (see Cards).
     */
    writes: integer('writes').notNull().default(0),
    content: text('content'),
    contentSince: integer('content_since').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.subject, t.role] })],
);

/**
 * Every process on the database (app replica or command line). A process is alive exactly while it holds the
 * session advisory lock (PROCESS_LOCK, id): the database drops it the moment the process or its connection dies.
 */
export const processes = pgTable('processes', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: at('started_at').notNull(),
  seenAt: at('seen_at').notNull(),
});

/** One row per scheduled job and tick (`tick:2026-11-22T18:00:30.000Z`): the replica that inserts it runs the job. */
export const schedulerRuns = pgTable('scheduler_runs', {
  key: text('key').primaryKey(),
  processId: integer('process_id').notNull(),
  at: at('at').notNull(),
});

/** Deliveries from Slack already taken (event id or trigger id), so that a retried delivery is not acted on twice. */
export const slackDeliveries = pgTable('slack_deliveries', {
  key: text('key').primaryKey(),
  at: at('at').notNull(),
});
