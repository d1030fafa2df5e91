import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Change, DifferenceWithContent, MergeRow } from '../../domain/types.ts';
import { type Database, queryMany, queryRows } from '../client.ts';
import { components } from '../schema.ts';

const columns = {
  key: components.key,
  content: components.content,
  hash: components.hash,
  dependsOn: components.dependsOn,
  changedBy: components.changedBy,
  changedAt: components.changedAt,
};

// Rows per INSERT: a few megabytes of JSON at most.
const BATCH = 10_000;

/** The tail of an INSERT INTO components that overwrites a component already there. */
export const replaceComponent = sql.raw(`on conflict (instance_id, key) do update set content = excluded.content,
  hash = excluded.hash, depends_on = excluded.depends_on, changed_by = excluded.changed_by, changed_at = excluded.changed_at`);

/**
 * The project of an instance: rows `c` (the component, absent when deleted) and `b` (its baseline entry, absent
 * when added) for every key that differs from the baseline. `projectAction` names the change of each row.
 */
export const projectOf = (instanceId: number) => sql`
  from (select * from components where instance_id = ${instanceId}) c
  full join (select key, hash from baseline_items where instance_id = ${instanceId}) b on b.key = c.key
  where c.hash is distinct from b.hash`;
export const projectAction = sql.raw(`(case when b.key is null then 'add' when c.key is null then 'delete' else 'modify' end)::component_action`);

export function componentRepository(db: Database): Repositories['components'] {
  return {
    list: (instanceId) =>
      db.select(columns).from(components).where(eq(components.instanceId, instanceId)).orderBy(asc(components.key)),
    contents(instanceId, besides) {
      const left = besides ? sql`and key not in (select key from package_items where package_id = ${besides.packageId})` : sql``;
      return queryMany<{ key: string; content: string }>(db, sql`select key, content from ${components} where instance_id = ${instanceId} ${left}`);
    },
    async get(instanceId, key) {
      const [row] = await db
        .select(columns)
        .from(components)
        .where(and(eq(components.instanceId, instanceId), eq(components.key, key)));
      return row;
    },
    summaries: (instanceId, limit) => {
      const { content: _content, ...summary } = columns;
      return db.select(summary).from(components).where(eq(components.instanceId, instanceId)).orderBy(asc(components.key)).limit(limit);
    },
    async count(instanceId) {
      const [row] = await db.select({ n: count() }).from(components).where(eq(components.instanceId, instanceId));
      return row?.n ?? 0;
    },
    async put(instanceId, component) {
      await this.putMany(instanceId, [component]);
    },
    async putMany(instanceId, list) {
      // One JSON parameter per batch, unpacked by the server: building thousands of bind parameters costs more than the write.
      for (let i = 0; i < list.length; i += BATCH) {
        const rows = list.slice(i, i + BATCH).map((c) => ({ key: c.key, content: c.content, hash: c.hash, depends_on: c.dependsOn, changed_by: c.changedBy, changed_at: c.changedAt.toISOString() }));
        await db.execute(sql`
          insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
          select ${instanceId}, r.key, r.content, r.hash, r.depends_on, r.changed_by, r.changed_at
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(key text, content text, hash text, depends_on text[], changed_by text, changed_at timestamptz)
          ${replaceComponent}`);
      }
    },
    async remove(instanceId, key) {
      const removed = await db
        .delete(components)
        .where(and(eq(components.instanceId, instanceId), eq(components.key, key)))
        .returning({ key: components.key });
      return removed.length > 0;
    },
    changes: (instanceId) =>
      queryRows<Change>(
        db,
        sql`select coalesce(c.key, b.key) as "key", ${projectAction} as "action", c.hash as "hash", b.hash as "baseHash"
        ${projectOf(instanceId)}
        order by 1`,
      ),
    async parentDrifted(instanceId, parentId) {
      const rows = await queryRows<{ drifted: boolean }>(
        db,
        sql`
        select exists (
          select 1
          from (select key, hash from components where instance_id = ${parentId}) p
          full join (select key, hash from baseline_items where instance_id = ${instanceId}) b on b.key = p.key
          left join components l on l.instance_id = ${instanceId} and l.key = coalesce(p.key, b.key)
          -- a parent that now holds exactly what this instance holds (e.g. its own deployment) has not drifted from it
          where p.hash is distinct from b.hash and p.hash is distinct from l.hash
        ) as drifted`,
      );
      return rows[0]?.drifted === true;
    },
    mergeRows: (instanceId, sourceId) =>
      queryRows<MergeRow>(
        db,
        sql`
        select coalesce(l.key, u.key) as "key", b.hash as "base", l.hash as "local", u.hash as "upstream"
        from (select key, hash from components where instance_id = ${instanceId}) l
        full join (select key, hash from components where instance_id = ${sourceId}) u on u.key = l.key
        left join baseline_items b on b.instance_id = ${instanceId} and b.key = coalesce(l.key, u.key)
        where l.hash is distinct from u.hash
        order by 1`,
      ),
    async takeFrom(instanceId, sourceId, keys) {
      for (let i = 0; i < keys.length; i += BATCH) {
        const batch = keys.slice(i, i + BATCH);
        await db.execute(sql`
          insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
          select ${instanceId}, key, content, hash, depends_on, changed_by, changed_at
          from components where instance_id = ${sourceId} and ${inArray(components.key, batch)}
          ${replaceComponent}`);
        await db.execute(sql`
          delete from components c
          where c.instance_id = ${instanceId} and ${inArray(sql`c.key`, batch)}
            and not exists (select 1 from components s where s.instance_id = ${sourceId} and s.key = c.key)`);
      }
    },
    compare: (fromId, toId) => differences(db, fromId, toId, false),
    compareContents: (fromId, toId) => differences(db, fromId, toId, true),
  };
}

/** The keys whose content differs between two instances, named from `fromId` to `toId`; with their contents if asked. */
function differences(db: Database, fromId: number, toId: number, withContent: boolean) {
  const content = withContent ? sql`, content` : sql``;
  return queryRows<DifferenceWithContent>(
    db,
    sql`
    select coalesce(a.key, b.key) as "key",
           case when a.key is null then 'added' when b.key is null then 'removed' else 'changed' end as "change"
           ${withContent ? sql`, a.content as "before", b.content as "after"` : sql``}
    from (select key, hash${content} from components where instance_id = ${fromId}) a
    full join (select key, hash${content} from components where instance_id = ${toId}) b on b.key = a.key
    where a.hash is distinct from b.hash
    order by 1`,
  );
}
