import { asc, eq } from 'drizzle-orm';
import type { SecretRepository } from '../../domain/secrets.ts';
import type { Database } from '../client.ts';
import { environmentSecrets, environments } from '../schema.ts';

export function secretRepository(db: Database): SecretRepository {
  return {
    async put(environmentId, name, sealed, by, at) {
      const row = { environmentId, name, ...sealed, setBy: by, setAt: at };
      await db
        .insert(environmentSecrets)
        .values(row)
        .onConflictDoUpdate({ target: [environmentSecrets.environmentId, environmentSecrets.name], set: { ...sealed, setBy: by, setAt: at } });
    },
    list: () =>
      db
        .select({ environment: environments.name, name: environmentSecrets.name, keyId: environmentSecrets.keyId, setBy: environmentSecrets.setBy, setAt: environmentSecrets.setAt })
        .from(environmentSecrets)
        .innerJoin(environments, eq(environments.id, environmentSecrets.environmentId))
        .orderBy(asc(environments.position), asc(environmentSecrets.name)),
    async sealedFor(environmentId) {
      const rows = await db.select().from(environmentSecrets).where(eq(environmentSecrets.environmentId, environmentId));
      return rows.map((r) => ({ name: r.name, sealed: { keyId: r.keyId, iv: r.iv, data: r.data, tag: r.tag } }));
    },
  };
}
