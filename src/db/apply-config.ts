import { isDeepStrictEqual as same } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { instanceSpec, type PipelineConfig } from '../config/schema.ts';
import { DomainError } from '../domain/errors.ts';
import { type Database, queryRows } from './client.ts';
import { auditEvents, environments, instances } from './schema.ts';

export interface ConfigChanges {
  added: string[];
  updated: string[];
  removed: string[];
}

type EnvironmentRow = typeof environments.$inferInsert;


/** Whether an instance holds anything that deleting it would lose. */
async function instanceInUse(db: Database, id: number): Promise<boolean> {
  const [row] = await queryRows<{ used: boolean }>(
    db,
    sql`select exists(select 1 from components where instance_id = ${id})
        or exists(select 1 from baseline_items where instance_id = ${id})
        or exists(select 1 from sync_conflicts where source_instance_id = ${id})
        or exists(select 1 from deployment_requests where source_instance_id = ${id} or target_instance_id = ${id})
        or exists(select 1 from packages where source_instance_id = ${id})
        or exists(select 1 from runs where instance_id = ${id}) as used`,
  );
  return row?.used === true;
}

const environmentRow = (env: PipelineConfig['environments'][number], position: number): EnvironmentRow => ({
  name: env.name,
  kind: env.kind,
  position,
  channel: env.channel ?? null,
  approvals: env.approvals,
  deployers: env.deployers,
  targets: env.targets,
  checks: env.checks,
  hooks: env.hooks,
  freezes: env.freezes.map((f) => ('from' in f ? { ...f, from: f.from.toISOString(), to: f.to.toISOString() } : f)),
  autoDeploy: env.autoDeploy,
});

/** Whether the stored environment differs from the row the configuration wants. */
const differsFrom = (row: EnvironmentRow, current: typeof environments.$inferSelect) =>
  (Object.keys(row) as (keyof EnvironmentRow)[]).some((k) => !same(row[k], current[k as keyof typeof current]));

type Existing = { envs: Map<string, typeof environments.$inferSelect>; instances: Map<string, typeof instances.$inferSelect> };

async function existing(db: Database): Promise<Existing> {
  const [envRows, instanceRows] = await Promise.all([db.select().from(environments), db.select().from(instances)]);
  return { envs: new Map(envRows.map((e) => [e.name, e])), instances: new Map(instanceRows.map((i) => [i.name, i])) };
}

/** True when the database's pipeline is the configuration's already: every start but the first after a change. */
function unchanged(config: PipelineConfig, have: Existing): boolean {
  const wanted = config.environments.flatMap((env, position) => {
    const row = environmentRow(env, position);
    const current = have.envs.get(env.name);
    if (!current || differsFrom(row, current)) return [false];
    return env.instances.map((entry, index) => {
      const spec = instanceSpec(entry);
      const i = have.instances.get(spec.name);
      return i !== undefined && i.environmentId === current.id && i.position === index && i.owner === (spec.owner ?? null);
    });
  });
  return wanted.every(Boolean) && wanted.length === have.instances.size && config.environments.length === have.envs.size;
}

/**
 * Makes the database's pipeline match the configuration file. Idempotent: applying the same file twice
 * changes nothing. New environments and instances are added; nothing in use is ever deleted. A pipeline that
 * matches already is left alone after two reads, without a transaction or a lock.
 */
export async function applyPipelineConfig(db: Database, config: PipelineConfig, at: Date): Promise<ConfigChanges> {
  if (unchanged(config, await existing(db))) return { added: [], updated: [], removed: [] };
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Database;
    // One configuration change at a time, whichever replica starts.
    await tx.execute(sql`select pg_advisory_xact_lock(72410002)`);
    const changes: ConfigChanges = { added: [], updated: [], removed: [] };
    const have = await existing(tx);
    const existingEnvs = have.envs;
    const existingInstances = have.instances;
    const wantedInstances = new Set<string>();

    for (const [position, env] of config.environments.entries()) {
      const row = environmentRow(env, position);
      const current = existingEnvs.get(env.name);
      let envId: number;
      if (!current) {
        const [inserted] = await tx.insert(environments).values(row).returning({ id: environments.id });
        envId = inserted!.id;
        changes.added.push(`environment ${env.name}`);
      } else {
        envId = current.id;
        if (differsFrom(row, current)) {
          await tx.update(environments).set(row).where(eq(environments.id, envId));
          changes.updated.push(`environment ${env.name}`);
        }
      }
      for (const [index, entry] of env.instances.entries()) {
        const spec = instanceSpec(entry);
        wantedInstances.add(spec.name);
        const want = { name: spec.name, environmentId: envId, position: index, owner: spec.owner ?? null };
        const have = existingInstances.get(spec.name);
        if (!have) {
          await tx.insert(instances).values(want);
          changes.added.push(`instance ${spec.name}`);
          continue;
        }
        if (have.environmentId !== envId && (await instanceInUse(tx, have.id))) {
          throw new DomainError('CONFIG_CONFLICT', `Instance ${spec.name} holds components or history in another environment; it cannot move to ${env.name}. Give the new instance another name.`);
        }
        if (have.environmentId !== envId || have.position !== index || have.owner !== want.owner) {
          await tx.update(instances).set(want).where(eq(instances.id, have.id));
          changes.updated.push(`instance ${spec.name}`);
        }
      }
    }

    for (const [name, have] of existingInstances) {
      if (wantedInstances.has(name)) continue;
      if (await instanceInUse(tx, have.id)) {
        throw new DomainError('CONFIG_CONFLICT', `Instance ${name} is no longer in the configuration but holds components or history; it is not deleted. Put it back in the file (or move its work elsewhere first).`);
      }
      await tx.delete(instances).where(eq(instances.id, have.id));
      changes.removed.push(`instance ${name}`);
    }
    const wantedEnvs = new Set(config.environments.map((e) => e.name));
    for (const [name, have] of existingEnvs) {
      if (wantedEnvs.has(name)) continue;
      const [used] = await queryRows<{ used: boolean }>(
        tx,
        sql`select exists(select 1 from instances where environment_id = ${have.id})
            or exists(select 1 from deployment_requests where target_environment_id = ${have.id})
            or exists(select 1 from runs where environment_id = ${have.id}) as used`,
      );
      if (used?.used) {
        throw new DomainError('CONFIG_CONFLICT', `Environment ${name} is no longer in the configuration but has instances or history; it is not deleted. Put it back in the file.`);
      }
      await tx.delete(environments).where(eq(environments.id, have.id));
      changes.removed.push(`environment ${name}`);
    }
    if (changes.added.length + changes.updated.length + changes.removed.length > 0) {
      await tx.insert(auditEvents).values({ at, actor: 'operator', via: 'system', action: 'config apply', subject: 'pipeline', outcome: 'applied', details: { ...changes } });
    }
    return changes;
  });
}
