import { and, eq, lt, sql } from 'drizzle-orm';
import type { IdempotencyRepository } from '../../domain/api-tokens.ts';
import type { Database } from '../client.ts';
import { apiIdempotency } from '../schema.ts';

export function idempotencyRepository(db: Database): IdempotencyRepository {
  const one = (tokenId: number, key: string) => and(eq(apiIdempotency.tokenId, tokenId), eq(apiIdempotency.key, key));
  return {
    async claim(tokenId, key, fingerprint, at, staleBefore) {
      // One statement decides, whichever replica asks: a new key, or a claim abandoned unanswered, is taken.
      const rows = await db
        .insert(apiIdempotency)
        .values({ tokenId, key, fingerprint, claimedAt: at })
        .onConflictDoUpdate({
          target: [apiIdempotency.tokenId, apiIdempotency.key],
          set: { fingerprint, claimedAt: at, body: null },
          setWhere: sql`${apiIdempotency.status} is null and ${apiIdempotency.claimedAt} < ${staleBefore.toISOString()}::timestamptz`,
        })
        .returning({ key: apiIdempotency.key });
      return rows.length > 0;
    },
    async get(tokenId, key) {
      const [row] = await db
        .select({ fingerprint: apiIdempotency.fingerprint, status: apiIdempotency.status, body: apiIdempotency.body, claimedAt: apiIdempotency.claimedAt })
        .from(apiIdempotency)
        .where(one(tokenId, key));
      return row;
    },
    async keep(tokenId, key, status, body) {
      await db.update(apiIdempotency).set({ status, body }).where(one(tokenId, key));
    },
    async release(tokenId, key) {
      await db.delete(apiIdempotency).where(and(one(tokenId, key), sql`${apiIdempotency.status} is null`));
    },
    async prune(before) {
      await db.delete(apiIdempotency).where(lt(apiIdempotency.claimedAt, before));
    },
  };
}
