import { and, asc, eq, isNull } from 'drizzle-orm';
import type { ApiToken, ApiTokenRepository, Scope } from '../../domain/api-tokens.ts';
import type { Database } from '../client.ts';
import { apiTokens } from '../schema.ts';

const columns = {
  id: apiTokens.id,
  name: apiTokens.name,
  scopes: apiTokens.scopes,
  instances: apiTokens.instances,
  createdBy: apiTokens.createdBy,
  createdAt: apiTokens.createdAt,
  revokedAt: apiTokens.revokedAt,
  lastUsedAt: apiTokens.lastUsedAt,
};

const asToken = (row: typeof apiTokens.$inferSelect | Omit<typeof apiTokens.$inferSelect, 'hash'>): ApiToken => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes as Scope[],
  instances: row.instances,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
  lastUsedAt: row.lastUsedAt,
});

export function apiTokenRepository(db: Database): ApiTokenRepository {
  return {
    async create(token) {
      const [row] = await db.insert(apiTokens).values(token).onConflictDoNothing().returning(columns);
      return row && asToken(row);
    },
    list: async () => (await db.select(columns).from(apiTokens).orderBy(asc(apiTokens.name), asc(apiTokens.id))).map(asToken),
    async byHash(hash) {
      const [row] = await db.select(columns).from(apiTokens).where(and(eq(apiTokens.hash, hash), isNull(apiTokens.revokedAt)));
      return row && asToken(row);
    },
    async revoke(name, at) {
      const rows = await db.update(apiTokens).set({ revokedAt: at }).where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
      return rows.length > 0;
    },
    async used(id, at) {
      await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
    },
  };
}
