import { sql } from 'drizzle-orm';
import { pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
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
