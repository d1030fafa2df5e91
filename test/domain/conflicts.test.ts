import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, as, createWorld, type World } from '../helpers/world.ts';
import { contents, lastAudit, plain, refused } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

/** dev-alice synced with staging, then both sides change C (modify/modify), G (mine modified, theirs deleted) and H (mine deleted, theirs modified). */
async function conflicted() {
  const s = world.services;
  await world.put('staging', { 'Layout/C': 'c1\nshared\n', 'Layout/G': 'g1', 'Layout/H': 'h1', 'Layout/K': 'k1' });
  await s.sync(as(ALICE), 'dev-alice');
  await world.put('dev-alice', { 'Layout/C': 'c-local\nshared\n', 'Layout/G': 'g-local' }, ALICE);
  await s.components.remove(as(ALICE), 'dev-alice', 'Layout/H');
  await world.put('staging', { 'Layout/C': 'c-upstream\nshared\n', 'Layout/H': 'h2' });
  await s.components.remove(as(ADMIN), 'staging', 'Layout/G');
  return s.sync(as(ALICE), 'dev-alice');
}

const openKeys = async () => (await world.services.conflicts.open('dev-alice')).conflicts.map((c) => c.key);

describe('sync conflicts: kept, shown and resolved', () => {
  beforeEach(async () => {
    world = await createWorld(db);
  });

  it('keeps each conflict open with its source, and shows base → mine and base → theirs', async () => {
    const sync = await conflicted();
    expect(sync.conflicts).toEqual(['Layout/C', 'Layout/G', 'Layout/H']);
    const open = await world.services.conflicts.open('dev-alice');
    expect(open.conflicts.map((c) => [c.key, c.source])).toEqual([['Layout/C', 'staging'], ['Layout/G', 'staging'], ['Layout/H', 'staging']]);

    const c = await world.services.conflicts.details('dev-alice', 'Layout/C');
    expect(c.baseKept).toBe(true);
    expect(c.mine.diff).toContain('-c1\n+c-local\n');
    expect(c.theirs.diff).toContain('-c1\n+c-upstream\n');
    const g = await world.services.conflicts.details('dev-alice', 'Layout/G');
    expect([g.mine.action, g.theirs.action]).toEqual(['modify', 'delete']);
    expect(g.theirs.diff).toContain('-g1');
    const h = await world.services.conflicts.details('dev-alice', 'Layout/H');
    expect([h.mine.action, h.theirs.action]).toEqual(['delete', 'modify']);
    expect(h.theirs.diff).toContain('+h2');
  });

  it('takes theirs (or removes the component where they deleted it), keeps mine, and audits each decision', async () => {
    await conflicted();
    const s = world.services;
    const theirs = await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/C', 'theirs');
    expect(theirs.keep).toBe('theirs');
    expect(await lastAudit(world)).toMatchObject({ action: 'resolve', subject: 'dev-alice', outcome: 'succeeded', actor: ALICE, details: { key: 'Layout/C', keep: 'theirs' } });
    expect((await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/G', 'theirs')).removed).toBe(true);
    await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/H', 'mine');

    expect(await openKeys()).toEqual([]);
    const now = await contents(world, 'dev-alice');
    expect(now['Layout/C']).toBe('c-upstream\nshared\n');
    expect(now).not.toHaveProperty('Layout/G');
    expect(now).not.toHaveProperty('Layout/H');
    // The baseline stays as synced: taking theirs leaves nothing to send, keeping mine sends the deletion.
    const preview = await s.sendPreview('dev-alice');
    expect(preview.changes.map((c) => [c.key, c.action])).toEqual([['Layout/H', 'delete']]);
    expect(preview.conflicts).toEqual([]);
  });

  it('refuses a conflict that is not open, a side that is neither, and someone else’s instance, and audits the refusals', async () => {
    await conflicted();
    const s = world.services;
    await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/C', 'mine');
    const again = await refused(s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/C', 'theirs'), 'NOT_FOUND');
    expect(again.message).toContain('Layout/G, Layout/H');
    expect(await lastAudit(world)).toMatchObject({ action: 'resolve', outcome: 'refused' });
    expect((await refused(s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/G', 'both'), 'INVALID_INPUT')).message).toMatch(/mine .*theirs.*“both”/);
    await refused(s.conflicts.resolve(as(BOB), 'dev-alice', 'Layout/G', 'theirs'), 'NOT_PERMITTED');
    await refused(s.conflicts.details('dev-alice', 'Layout/C'), 'NOT_FOUND');
    expect(await openKeys()).toEqual(['Layout/G', 'Layout/H']);
    await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/G', 'mine');
    await s.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/H', 'mine');
    expect((await refused(s.conflicts.details('dev-alice', 'Layout/G'), 'NOT_FOUND')).message).toContain('no open conflicts');
  });

  it('of two people resolving one conflict at once, one decides and the other is told it is resolved', async () => {
    await conflicted();
    const outcomes = await Promise.allSettled([
      world.services.conflicts.resolve(as(ALICE), 'dev-alice', 'Layout/C', 'theirs'),
      world.services.conflicts.resolve(as(ADMIN), 'dev-alice', 'Layout/C', 'mine'),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const won = (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<{ keep: string }>).value.keep;
    expect((await contents(world, 'dev-alice'))['Layout/C']).toBe(won === 'theirs' ? 'c-upstream\nshared\n' : 'c-local\nshared\n');
  });

  it('warns a send that carries unresolved conflicts that the local versions are sent', async () => {
    await conflicted();
    const preview = await world.services.sendPreview('dev-alice');
    expect(preview.conflicts).toEqual(['Layout/C', 'Layout/G', 'Layout/H']);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'mine', only: ['Layout/C'] });
    const warnings = sent.warnings.map(plain);
    expect(warnings.some((w) => w.includes('1 component with unresolved sync conflicts (Layout/C): your local versions are sent'))).toBe(true);
    expect(warnings.join(' ')).toContain('sandbox resolve dev-alice <component> --keep theirs');
  });

  it('keeps a conflict open over later syncs with its first base, follows theirs, and forgets it once both sides agree', async () => {
    await conflicted();
    const s = world.services;
    await s.sync(as(ALICE), 'dev-alice');
    expect(await openKeys()).toEqual(['Layout/C', 'Layout/G', 'Layout/H']);
    await world.put('staging', { 'Layout/C': 'c-upstream-2\nshared\n' });
    await s.sync(as(ALICE), 'dev-alice');
    const c = await s.conflicts.details('dev-alice', 'Layout/C');
    expect(c.theirs.diff).toContain('-c1\n+c-upstream-2\n');
    // Alice makes G and H as staging has them: the next sync finds no conflict there.
    await s.components.remove(as(ALICE), 'dev-alice', 'Layout/G');
    await world.put('dev-alice', { 'Layout/H': 'h2' }, ALICE);
    await s.sync(as(ALICE), 'dev-alice');
    expect(await openKeys()).toEqual(['Layout/C']);
  });

  it('says when the base was synced before bases were kept, and the migration fills bases in from the parent', async () => {
    const s = world.services;
    await world.put('staging', { 'Layout/C': 'c1' });
    await s.sync(as(ALICE), 'dev-alice');
    await db.db.execute(sql`update baseline_items set content = null`);
    await db.db.execute(sql.raw(readFileSync('drizzle/0010_baseline_contents.sql', 'utf8')));
    expect(await withoutContent()).toBe(0);

    await db.db.execute(sql`update baseline_items set content = null`);
    await world.put('dev-alice', { 'Layout/C': 'mine' }, ALICE);
    await world.put('staging', { 'Layout/C': 'theirs' });
    await s.sync(as(ALICE), 'dev-alice');
    const c = await s.conflicts.details('dev-alice', 'Layout/C');
    expect(c.baseKept).toBe(false);
    expect(c.mine.diff).toContain('+mine');
  });
});

async function withoutContent(): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from baseline_items where content is null`);
  return Number(row!.n);
}
