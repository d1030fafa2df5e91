import { asc, eq, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Instance } from '../../domain/types.ts';
import type { Database } from '../client.ts';
import { environments, instances } from '../schema.ts';

const columns = {
  id: instances.id,
  name: instances.name,
  environmentId: instances.environmentId,
  owner: instances.owner,
  parentInstanceId: instances.parentInstanceId,
  syncedAt: instances.syncedAt,
  deployedChangeHash: instances.deployedChangeHash,
};

export function instanceRepository(db: Database): Repositories['instances'] {
  const one = async (where: ReturnType<typeof eq>): Promise<Instance | undefined> => {
    const [row] = await db.select(columns).from(instances).where(where);
    return row;
  };
  return {
    list: () =>
      db
        .select(columns)
        .from(instances)
        .innerJoin(environments, eq(environments.id, instances.environmentId))
        .orderBy(asc(environments.position), asc(instances.position)),
    byName: (name) => one(sql`lower(${instances.name}) = lower(${name})`),
    byId: (id) => one(eq(instances.id, id)),
    async lockRow(id) {
      const [row] = await db.select(columns).from(instances).where(eq(instances.id, id)).for('no key update');
      if (!row) throw new Error(`instance ${id} vanished`);
      return row;
    },
    async holdSteady(id) {
      await db.select({ id: instances.id }).from(instances).where(eq(instances.id, id)).for('share');
    },
    async setDeployedChangeHash(id, hash) {
      await db.update(instances).set({ deployedChangeHash: hash }).where(eq(instances.id, id));
    },
    async replaceBaseline(id, sourceId, at) {
      await db.execute(sql`delete from baseline_items where instance_id = ${id}`);
      await db.execute(sql`
        insert into baseline_items (instance_id, key, hash, content)
        select ${id}, key, hash, content from components where instance_id = ${sourceId}`);
      await db
        .update(instances)
        .set({ parentInstanceId: sourceId, syncedAt: at, deployedChangeHash: null })
        .where(eq(instances.id, id));
    },
    async gitRead(id) {
      const [row] = await db.select({ tip: instances.gitTip, reads: instances.gitReads }).from(instances).where(eq(instances.id, id));
      return row ?? { tip: null, reads: 0 };
    },
    async recordGitRead(id, tip) {
      await db.update(instances).set({ gitTip: tip, gitReads: sql`${instances.gitReads} + 1` }).where(eq(instances.id, id));
    },
    async absorbIntoBaseline(id, packageId) {
      await db.execute(sql`
        insert into baseline_items (instance_id, key, hash, content)
        select ${id}, key, hash, content from package_items where package_id = ${packageId} and action <> 'delete'
        on conflict (instance_id, key) do update set hash = excluded.hash, content = excluded.content`);
      await db.execute(sql`
        delete from baseline_items b using package_items p
        where p.package_id = ${packageId} and p.action = 'delete' and b.instance_id = ${id} and b.key = p.key`);
    },
  };
}
