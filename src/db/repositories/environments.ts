import { asc, eq, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Check, Hooks, Target } from '../../domain/actions.ts';
import type { ApprovalPolicy, Environment, Freeze } from '../../domain/types.ts';
import type { Database } from '../client.ts';
import { environments } from '../schema.ts';

type Row = typeof environments.$inferSelect;

const toEnvironment = (row: Row): Environment => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  position: row.position,
  channel: row.channel,
  approvals: row.approvals as ApprovalPolicy,
  deployers: row.deployers,
  targets: row.targets as Target[],
  checks: row.checks as Check[],
  hooks: row.hooks as Hooks,
  freezes: row.freezes as Freeze[],
  autoDeploy: row.autoDeploy,
  lock: row.lockReason && row.lockedBy && row.lockedAt ? { reason: row.lockReason, by: row.lockedBy, at: row.lockedAt } : null,
});

export function environmentRepository(db: Database): Repositories['environments'] {
  const one = async (where: ReturnType<typeof eq>) => {
    const [row] = await db.select().from(environments).where(where);
    return row && toEnvironment(row);
  };
  return {
    list: async () => (await db.select().from(environments).orderBy(asc(environments.position))).map(toEnvironment),
    byName: (name) => one(sql`lower(${environments.name}) = lower(${name})`),
    byId: (id) => one(eq(environments.id, id)),
    async lockForDeployment(id) {
      // NO KEY UPDATE: deployments still queue behind each other, but rows that merely reference the environment
      // (a waiting deployment's run, a send into its queue) are not blocked by the foreign-key check meanwhile.
      const [row] = await db.select().from(environments).where(eq(environments.id, id)).for('no key update');
      if (!row) throw new Error(`environment ${id} vanished`);
      return toEnvironment(row);
    },
    async holdSteady(id) {
      await db.select({ id: environments.id }).from(environments).where(eq(environments.id, id)).for('share');
    },
    async setLock(id, lock) {
      await db
        .update(environments)
        .set({ lockReason: lock?.reason ?? null, lockedBy: lock?.by ?? null, lockedAt: lock?.at ?? null })
        .where(eq(environments.id, id));
    },
  };
}
