import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at } from './columns.ts';
import { instances, runs } from './schema.ts';

/**
 * Sync conflicts not resolved yet: components changed both in the instance and upstream since the last sync. Mine is
 * the instance's component as it is; base and theirs are kept here (null content: absent) because the baseline moves
 * on with the sync. Resolving one deletes its row (the audit keeps the decision).
 */
export const syncConflicts = pgTable(
  'sync_conflicts',
  {
    instanceId: integer('instance_id')
      .notNull()
      .references(() => instances.id),
    key: text('key').notNull(),
    sourceInstanceId: integer('source_instance_id')
      .notNull()
      .references(() => instances.id),
    /** What both sides changed from; null hash: the component did not exist, null content with a hash: not kept. */
    baseHash: text('base_hash'),
    baseContent: text('base_content'),
    /** What the source held at the sync; null hash: the source deleted it. */
    theirsHash: text('theirs_hash'),
    theirsContent: text('theirs_content'),
    theirsDependsOn: text('theirs_depends_on').array(),
    runId: integer('run_id').references(() => runs.id),
    detectedAt: at('detected_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.key] })],
);
