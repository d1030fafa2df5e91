import { and, asc, eq, sql } from 'drizzle-orm';
import type { PackageFile } from '../../domain/actions.ts';
import type { ItemContents, Repositories } from '../../domain/ports.ts';
import type { Change } from '../../domain/types.ts';
import { amongKeys, type Database, queryMany, queryRows } from '../client.ts';
import { packageItems, packages } from '../schema.ts';
import { projectAction, projectOf, replaceComponent } from './components.ts';

const packageColumns = {
  id: packages.id,
  sourceInstanceId: packages.sourceInstanceId,
  changeHash: packages.changeHash,
  itemCount: packages.itemCount,
  createdAt: packages.createdAt,
};

/** Affected row count, whichever driver ran the statement. */
const affected = (result: unknown) => {
  const r = result as { count?: number; affectedRows?: number };
  return Number(r.count ?? r.affectedRows ?? 0);
};

/** An item's contents, left unread once its diff is kept. */
const itemContents = {
  key: packageItems.key,
  action: packageItems.action,
  before: sql<string | null>`case when ${packageItems.diff} is null then ${packageItems.baseContent} end`,
  after: sql<string | null>`case when ${packageItems.diff} is null then ${packageItems.content} end`,
  diff: packageItems.diff,
};

export function packageRepository(db: Database): Repositories['packages'] {
  return {
    async createFromProject(instanceId, targetId, at, keys) {
      const [created] = await db
        .insert(packages)
        .values({ sourceInstanceId: instanceId, changeHash: '', itemCount: 0, createdAt: at })
        .returning(packageColumns);
      if (!created) throw new Error('package insert returned nothing');
      const inserted = await db.execute(sql`
        insert into package_items (package_id, key, action, content, hash, base_hash, depends_on, base_content)
        select ${created.id}, coalesce(c.key, b.key), ${projectAction}, c.content, c.hash, b.hash, coalesce(c.depends_on, '{}'),
               (select t.content from components t where t.instance_id = ${targetId} and t.key = coalesce(c.key, b.key))
        ${projectOf(instanceId)}
        ${amongKeys(sql`coalesce(c.key, b.key)`, keys)}`);
      const itemCount = affected(inserted);
      await db.update(packages).set({ itemCount }).where(eq(packages.id, created.id));
      return { ...created, itemCount };
    },
    async setChangeHash(packageId, changeHash) {
      await db.update(packages).set({ changeHash }).where(eq(packages.id, packageId));
    },
    async byId(id) {
      const [row] = await db.select(packageColumns).from(packages).where(eq(packages.id, id));
      return row;
    },
    items: (packageId): Promise<Change[]> =>
      db
        .select({ key: packageItems.key, action: packageItems.action, hash: packageItems.hash, baseHash: packageItems.baseHash })
        .from(packageItems)
        .where(eq(packageItems.packageId, packageId))
        .orderBy(asc(packageItems.key)),
    async files(packageId) {
      const files = await queryMany<PackageFile>(
        db,
        sql`select key, action, hash, base_hash as "baseHash", depends_on as "dependsOn", content from ${packageItems} where package_id = ${packageId}`,
      );
      // Sorted here: the database sorts 10,000 rows with their contents in twice the time it takes to read them.
      return files.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    contents: (packageId, key) =>
      db
        .select(itemContents)
        .from(packageItems)
        .where(and(eq(packageItems.packageId, packageId), key === undefined ? undefined : eq(packageItems.key, key)))
        .orderBy(asc(packageItems.key)),
    async itemKeys(packageId) {
      const rows = await queryRows<{ key: string }>(db, sql`select key from package_items where package_id = ${packageId} order by key`);
      return rows.map((r) => r.key);
    },
    // Raw rows, past the query builder's mapping: a 10,000-item diff reads twice as fast. A range of keys rather than
    // `key > … limit n`, which a planner without statistics of a package just made reads to its end for every page.
    contentsBetween: (packageId, first, last) =>
      queryRows<ItemContents>(
        db,
        sql`select key, action, case when diff is null then base_content end as before,
                   case when diff is null then content end as after, diff
            from package_items where package_id = ${packageId} and key between ${first} and ${last} order by key`,
      ),
    async keepDiffs(packageId, diffs) {
      if (diffs.length === 0) return;
      await db.execute(sql`
        update package_items p set diff = d.diff
        from jsonb_to_recordset(${JSON.stringify(diffs)}::jsonb) as d(key text, diff text)
        where p.package_id = ${packageId} and p.key = d.key`);
    },
    missingDependencies: (packageId, targetId) =>
      queryRows(
        db,
        sql`
        with kept as (
          select key, depends_on from package_items where package_id = ${packageId} and action <> 'delete'
          union all
          select c.key, c.depends_on from components c
          where c.instance_id = ${targetId} and cardinality(c.depends_on) > 0
            and not exists (select 1 from package_items p where p.package_id = ${packageId} and p.key = c.key)
        ), needed as (select key, unnest(depends_on) as missing from kept)
        select n.key as "key", n.missing as "missing" from needed n
        left join package_items p on p.package_id = ${packageId} and p.key = n.missing
        left join components c on c.instance_id = ${targetId} and c.key = n.missing
        where case when p.key is not null then p.action = 'delete' else c.key is null end
        order by 1, 2`,
      ),
    leftOutDependencies: (packageId, instanceId) =>
      queryRows(
        db,
        sql`
        select p.key as "key", d.key as "missing"
        from package_items p cross join unnest(p.depends_on) as d(key)
        where p.package_id = ${packageId} and p.action <> 'delete'
          and not exists (select 1 from package_items q where q.package_id = ${packageId} and q.key = d.key)
          and d.key in (select coalesce(c.key, b.key) ${projectOf(instanceId)})
        order by 1, 2`,
      ),
    driftedItems: (packageId, targetId) =>
      queryRows(
        db,
        sql`
        select p.key as "key", p.base_hash as "expected", c.hash as "actual"
        from package_items p
        left join components c on c.instance_id = ${targetId} and c.key = p.key
        where p.package_id = ${packageId} and p.base_hash is distinct from c.hash and p.hash is distinct from c.hash
        order by 1`,
      ),
    async unappliedItems(packageId, targetId) {
      const rows = await queryRows<{ key: string }>(
        db,
        sql`
        select p.key as "key" from package_items p
        left join components c on c.instance_id = ${targetId} and c.key = p.key
        where p.package_id = ${packageId} and p.hash is distinct from c.hash
        order by 1`,
      );
      return rows.map((r) => r.key);
    },
    async checkViolations(packageId, check, targetId) {
      // After apply, the check reads what the target holds; before (validate), what the package would write.
      const source = targetId === undefined ? sql`package_items c on c.package_id = p.package_id` : sql`components c on c.instance_id = ${targetId}`;
      const types = check.types?.length ? sql`and split_part(c.key, '/', 1) in (${sql.join(check.types.map((t) => sql`${t}`), sql`, `)})` : sql``;
      const rows = await queryRows<{ key: string }>(
        db,
        sql`
        select c.key as "key" from package_items p
        join ${source} and c.key = p.key
        where p.package_id = ${packageId} and p.action <> 'delete' and strpos(c.content, ${check.forbid}) > 0 ${types}
        order by 1`,
      );
      return rows.map((r) => r.key);
    },
    async snapshotTarget(packageId, targetId, runId) {
      return affected(
        await db.execute(sql`
          insert into deployment_snapshots (run_id, key, existed, content, hash, depends_on, changed_by, changed_at)
          select ${runId}, p.key, c.key is not null, c.content, c.hash, coalesce(c.depends_on, '{}'), c.changed_by, c.changed_at
          from package_items p
          left join components c on c.instance_id = ${targetId} and c.key = p.key
          where p.package_id = ${packageId}`),
      );
    },
    async applyTo(packageId, targetId, by, at) {
      const written = await db.execute(sql`
        insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
        select ${targetId}, key, content, hash, depends_on, ${by}, ${at.toISOString()}::timestamptz
        from package_items where package_id = ${packageId} and action <> 'delete'
        ${replaceComponent}`);
      const deleted = await db.execute(sql`
        delete from components c using package_items p
        where p.package_id = ${packageId} and p.action = 'delete' and c.instance_id = ${targetId} and c.key = p.key`);
      return affected(written) + affected(deleted);
    },
    async restoreSnapshot(runId, targetId, keys) {
      const written = await db.execute(sql`
        insert into components (instance_id, key, content, hash, depends_on, changed_by, changed_at)
        select ${targetId}, key, content, hash, depends_on, changed_by, changed_at
        from deployment_snapshots where run_id = ${runId} and existed ${amongKeys(sql`key`, keys)}
        ${replaceComponent}`);
      const deleted = await db.execute(sql`
        delete from components c using deployment_snapshots s
        where s.run_id = ${runId} and not s.existed and c.instance_id = ${targetId} and c.key = s.key ${amongKeys(sql`s.key`, keys)}`);
      return affected(written) + affected(deleted);
    },
  };
}
