import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approvedForStaging, seedPipeline } from '../domain/support.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, as, createWorld, type World } from '../helpers/world.ts';

// The change counts that copies kept in memory (the API's tokens and pages) are checked against: every committed
// change of a deployment request or of what a token grants counts, at commit; nothing else does.

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  world = await createWorld(db);
});

const counts = () => world.services.changeCounts();

describe('change counts', () => {
  it('count each committed change of a request, and nothing of a transaction rolled back', async () => {
    await seedPipeline(world, { 'Layout/A': 'a' });
    await world.put('dev-alice', { 'Layout/A': 'a2' });
    const before = await counts();
    const request = await approvedForStaging(world);
    const sentAndApproved = await counts();
    expect(sentAndApproved.requests).toBeGreaterThanOrEqual(before.requests + 2);
    expect(sentAndApproved.tokens).toBe(before.tokens);
    await expect(
      db.db.transaction(async (tx) => {
        await tx.execute(sql`update deployment_requests set reason = 'never kept' where id = ${request.id}`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await counts()).toEqual(sentAndApproved);
  });

  it('count a token made or revoked, not its last use', async () => {
    const before = await counts();
    const { secret } = await world.services.tokens.create(as(ADMIN), { name: 'ci', scopes: ['requests:read'] });
    const made = await counts();
    expect(made.tokens).toBe(before.tokens + 1);
    world.clock.advance(120_000);
    expect(await world.services.tokens.authenticate(secret)).toBeDefined();
    expect(await counts()).toEqual(made);
    await world.services.tokens.revoke(as(ADMIN), 'ci');
    expect((await counts()).tokens).toBe(made.tokens + 1);
    expect(made.requests).toBe(before.requests);
  });
});
