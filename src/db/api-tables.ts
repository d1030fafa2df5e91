import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { runs } from './schema.ts';
import { at } from './columns.ts';

/** Tokens of the HTTP API: the SHA-256 of each secret (never the secret), its scopes and the instances it may touch. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    hash: text('hash').notNull().unique(),
    scopes: text('scopes').array().notNull(),
    instances: text('instances').array().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull(),
    revokedAt: at('revoked_at'),
    lastUsedAt: at('last_used_at'),
  },
  // One token of a name at a time: a revoked token's name may be given again.
  (t) => [uniqueIndex('api_tokens_active_name').on(t.name).where(sql`${t.revokedAt} is null`)],
);

/** The first answer to each API request made with an `Idempotency-Key`, per token, kept a day (see IdempotencyRepository). */
export const apiIdempotency = pgTable(
  'api_idempotency',
  {
    tokenId: integer('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    status: integer('status'),
    body: jsonb('body'),
    claimedAt: at('claimed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] })],
);

/** What outside systems reported of runs through the API (status callbacks), oldest first by id. */
export const runStatuses = pgTable(
  'run_statuses',
  {
    id: serial('id').primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    at: at('at').notNull(),
    reporter: text('reporter').notNull(),
    state: text('state').notNull(),
    description: text('description'),
  },
  (t) => [index('run_statuses_run').on(t.runId)],
);

/**
 * How many committed changes each subject has seen (`requests`: deployment requests; `tokens`: API tokens), counted
 * by triggers at commit (see the migration `change_counts_triggers`). A copy kept in memory stays good while the count
 * read since is the one it was read under; only ever growing, so tests' truncations leave it alone.
 */
export const changeCounts = pgTable('change_counts', {
  subject: text('subject').primaryKey(),
  changes: bigint('changes', { mode: 'number' }).notNull(),
});
