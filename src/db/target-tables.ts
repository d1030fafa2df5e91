import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at } from './columns.ts';
import { environments } from './schema.ts';

/** Credentials of an environment for its targets and checks, sealed (AES-256-GCM under the master key `keyId`). */
export const environmentSecrets = pgTable(
  'environment_secrets',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id),
    name: text('name').notNull(),
    keyId: text('key_id').notNull(),
    iv: text('iv').notNull(),
    data: text('data').notNull(),
    tag: text('tag').notNull(),
    setBy: text('set_by').notNull(),
    setAt: at('set_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.name] })],
);
