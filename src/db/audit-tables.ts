import { bigserial, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { at } from './columns.ts';

/** Who did what to which subject (a request, an instance, a token…), when, through which surface, and how it ended. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    actor: text('actor').notNull(),
    via: text('via').notNull(),
    action: text('action').notNull(),
    subject: text('subject').notNull(),
    outcome: text('outcome').notNull(),
    details: jsonb('details'),
  },
  (t) => [index('audit_events_subject_idx').on(t.subject), index('audit_events_at_idx').on(t.at)],
);
