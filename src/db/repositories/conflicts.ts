import { and, asc, eq, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import { type Database } from '../client.ts';
import { syncConflicts } from '../schema.ts';

const columns = {
  key: syncConflicts.key,
  sourceInstanceId: syncConflicts.sourceInstanceId,
  detectedAt: syncConflicts.detectedAt,
  baseHash: syncConflicts.baseHash,
  theirsHash: syncConflicts.theirsHash,
};

export function conflictRepository(db: Database): Repositories['conflicts'] {
  const one = (instanceId: number, key: string) => and(eq(syncConflicts.instanceId, instanceId), eq(syncConflicts.key, key));
  return {
    async record(instanceId, sourceId, keys, runId, at) {
      if (keys.length === 0) return;
      await db.execute(sql`
        insert into sync_conflicts (instance_id, key, source_instance_id, base_hash, base_content, theirs_hash, theirs_content, theirs_depends_on, run_id, detected_at)
        select ${instanceId}, k.key, ${sourceId}, b.hash, b.content, s.hash, s.content, s.depends_on, ${runId}, ${at.toISOString()}::timestamptz
        from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb) as k(key)
        left join baseline_items b on b.instance_id = ${instanceId} and b.key = k.key
        left join components s on s.instance_id = ${sourceId} and s.key = k.key
        on conflict (instance_id, key) do update set source_instance_id = excluded.source_instance_id,
          theirs_hash = excluded.theirs_hash, theirs_content = excluded.theirs_content,
          theirs_depends_on = excluded.theirs_depends_on, run_id = excluded.run_id, detected_at = excluded.detected_at`);
    },
    async dropSettled(instanceId, sourceId) {
      await db.execute(sql`
        delete from sync_conflicts c
        where c.instance_id = ${instanceId}
          and (select hash from components where instance_id = ${instanceId} and key = c.key)
              is not distinct from (select hash from components where instance_id = ${sourceId} and key = c.key)`);
    },
    open: (instanceId) => db.select(columns).from(syncConflicts).where(eq(syncConflicts.instanceId, instanceId)).orderBy(asc(syncConflicts.key)),
    async get(instanceId, key) {
      const [row] = await db
        .select({ ...columns, baseContent: syncConflicts.baseContent, theirsContent: syncConflicts.theirsContent, theirsDependsOn: syncConflicts.theirsDependsOn })
        .from(syncConflicts)
        .where(one(instanceId, key));
      return row && { ...row, theirsDependsOn: row.theirsDependsOn ?? [] };
    },
    async close(instanceId, key) {
      const closed = await db
        .delete(syncConflicts)
        .where(one(instanceId, key))
        .returning({ key: syncConflicts.key });
      return closed.length > 0;
    },
  };
}
