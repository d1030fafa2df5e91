import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createStore } from '../../src/db/store.ts';
import { createServices } from '../../src/domain/services/index.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, as, createWorld, type World } from '../helpers/world.ts';
import { refused } from './support.ts';

// An API write with an Idempotency-Key is answered once: the first request does the work, every repeat gets its
// answer again, whichever replica it reaches; the database decides which request is the first.

let db: TestDatabase;
let world: World;
let tokenId: number;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  world = await createWorld(db);
  tokenId = (await world.services.tokens.create(as(ADMIN), { name: 'ci', scopes: ['requests:write'] })).token.id;
});

/** Work that counts how often it was done, taking a little while as a send does. */
function counted(status = 201) {
  let done = 0;
  return {
    done: () => done,
    work: async () => {
      done++;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { status, body: { request: `DR-${done}` } };
    },
  };
}

describe('answering once per Idempotency-Key', () => {
  it('does the work once for repeats at once and after, each getting the first answer', async () => {
    const { done, work } = counted();
    const answers = await Promise.all(Array.from({ length: 8 }, () => world.services.tokens.answerOnce(tokenId, 'build-1', 'same', work)));
    expect(done()).toBe(1);
    expect(answers.map((a) => [a.status, a.body])).toEqual(Array.from({ length: 8 }, () => [201, { request: 'DR-1' }]));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(await world.services.tokens.answerOnce(tokenId, 'build-1', 'same', work)).toEqual({ status: 201, body: { request: 'DR-1' }, replayed: true });
    expect(done()).toBe(1);
  });

  it('keeps a refusal as the first answer, but not a failure of the bot: a repeat then tries again', async () => {
    const refusal = counted(409);
    await world.services.tokens.answerOnce(tokenId, 'k1', 'f', refusal.work);
    expect((await world.services.tokens.answerOnce(tokenId, 'k1', 'f', refusal.work)).status).toBe(409);
    expect(refusal.done()).toBe(1);
    const failing = counted(500);
    await world.services.tokens.answerOnce(tokenId, 'k2', 'f', failing.work);
    await world.services.tokens.answerOnce(tokenId, 'k2', 'f', failing.work);
    expect(failing.done()).toBe(2);
    await expect(world.services.tokens.answerOnce(tokenId, 'k3', 'f', () => Promise.reject(new Error('lost the database')))).rejects.toThrow('lost the database');
    const retried = counted();
    expect((await world.services.tokens.answerOnce(tokenId, 'k3', 'f', retried.work)).replayed).toBe(false);
  });

  it('refuses a key used again for another request, and a key that is not one', async () => {
    await world.services.tokens.answerOnce(tokenId, 'k', 'first', counted().work);
    const other = await refused(world.services.tokens.answerOnce(tokenId, 'k', 'second', counted().work), 'INVALID_INPUT');
    expect(other.message).toBe('This Idempotency-Key was used for another request (another method, path or body): use a new key for each request.');
    expect(other.input).toBe('Idempotency-Key');
    await refused(world.services.tokens.answerOnce(tokenId, 'with space', 'f', counted().work), 'INVALID_INPUT');
    // Keys are the token's own: another token may use the same one.
    const other2 = (await world.services.tokens.create(as(ADMIN), { name: 'other', scopes: ['requests:write'] })).token.id;
    expect((await world.services.tokens.answerOnce(other2, 'k', 'second', counted().work)).replayed).toBe(false);
  });

  it('forgets answers after a day', async () => {
    const { done, work } = counted();
    await world.services.tokens.answerOnce(tokenId, 'k', 'f', work);
    world.clock.advance(25 * 3600_000);
    await world.services.tokens.forgetOldAnswers();
    await world.services.tokens.answerOnce(tokenId, 'k', 'f', work);
    expect(done()).toBe(2);
  });

  it.runIf(onPostgres)('does the work once for repeats reaching two replicas on one PostgreSQL', async () => {
    const replica = await openDatabase({ url: db.url!, maxConnections: 5 });
    try {
      const other = createServices({ ...world.services.deps, store: createStore(replica.db) });
      const { done, work } = counted();
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : world.services).tokens.answerOnce(tokenId, 'build-2', 'same', work)));
      expect(done()).toBe(1);
      expect(new Set(answers.map((a) => JSON.stringify(a.body)))).toEqual(new Set([JSON.stringify({ request: 'DR-1' })]));
    } finally {
      await replica.close();
    }
  });
});
