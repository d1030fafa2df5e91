import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { componentDiff, componentDiffs, DIFF_LIMITS, diffText } from '../../src/domain/diff.ts';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.ts';
import { createServices } from '../../src/domain/services/index.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, as, createWorld, type World } from '../helpers/world.ts';
import { refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const ACCOUNT = 'header\nname\nemail\nphone\nfooter\n';

describe('what a request changes', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': ACCOUNT, 'Flow/Old': 'step 1\nstep 2\n' });
    // Alice changes one line, adds a component and removes another, then sends.
    await world.put('dev-alice', { 'Layout/Account': ACCOUNT.replace('email', 'email address'), 'Layout/New': 'fresh\n' }, ALICE);
    await world.services.components.remove(as(ALICE), 'dev-alice', 'Flow/Old');
    await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'account form' });
  });

  it('is drawn once, when the request is sent, and read from then on; one not kept is drawn at the first look and kept', async () => {
    const kept = () => queryRows<{ key: string; diff: string | null }>(db.db, sql`select key, diff from package_items order by key`);
    expect((await kept()).map((row) => [row.key, row.diff?.split('\n')[0]])).toEqual([
      ['Flow/Old', '--- a/Flow/Old'],
      ['Layout/Account', '--- a/Layout/Account'],
      ['Layout/New', '--- /dev/null'],
    ]);
    // What is kept is what is shown: the contents are not read again.
    await db.db.execute(sql`update package_items set diff = 'as kept' where key = 'Layout/New'`);
    expect((await world.services.diff(1, 'Layout/New')).items[0]!.diff).toBe('as kept');
    await db.db.execute(sql`update package_items set diff = null`);
    const drawn = (await world.services.diff(1)).items;
    expect(drawn.find((i) => i.key === 'Layout/New')!.diff).toBe('--- /dev/null\n+++ b/Layout/New\n@@ -0,0 +1,1 @@\n+fresh\n');
    expect((await kept()).map((row) => row.diff)).toEqual(drawn.map((i) => i.diff));
  });

  it('keeps no diff that was cut off: the next look draws it again', async () => {
    await db.db.execute(sql`update package_items set diff = null`);
    const slow = createServices({ ...world.services.deps, diffs: { draw: async (items) => items.map((i) => ({ key: i.key, action: i.action, diff: '', cutOff: 'too slow' })) } });
    expect((await slow.diff(1)).items.map((i) => i.cutOff)).toEqual(['too slow', 'too slow', 'too slow']);
    const kept = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from package_items where diff is not null`);
    expect(Number(kept[0]!.n)).toBe(0);
    expect((await world.services.diff(1)).items.every((i) => i.diff.startsWith('---'))).toBe(true);
  });

  it('is the unified diff of each component against what the target held when it was sent', async () => {
    const { request, items } = await world.services.diff(1);
    expect(request.id).toBe(1);
    expect(items.map((i) => [i.key, i.action])).toEqual([
      ['Flow/Old', 'delete'],
      ['Layout/Account', 'modify'],
      ['Layout/New', 'add'],
    ]);
    const [removed, changed, added] = items;
    expect(removed!.diff).toBe('--- a/Flow/Old\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-step 1\n-step 2\n');
    expect(changed!.diff).toBe(
      '--- a/Layout/Account\n+++ b/Layout/Account\n@@ -1,5 +1,5 @@\n header\n name\n-email\n+email address\n phone\n footer\n',
    );
    expect(added!.diff).toBe('--- /dev/null\n+++ b/Layout/New\n@@ -0,0 +1,1 @@\n+fresh\n');
    expect(diffText(items)).toBe(removed!.diff + changed!.diff + added!.diff);
  });

  it('stays what was sent after the target changes (the diff is of the request, not of today)', async () => {
    await world.put('staging', { 'Layout/Account': 'rewritten\n' });
    const [, changed] = (await world.services.diff(1)).items;
    expect(changed!.diff).toContain('-email\n+email address\n');
  });

  it('narrows to one component, and refuses one the request does not change, naming it', async () => {
    const { items } = await world.services.diff(1, 'Layout/New');
    expect(items.map((i) => i.key)).toEqual(['Layout/New']);
    const error = await refused(world.services.diff(1, 'Layout/Missing'), 'NOT_FOUND');
    expect(error.message).toContain('Layout/Missing in DR-1 was not found');
    expect(error.message).toContain('sandbox diff DR-1');
    await refused(world.services.diff(7), 'NOT_FOUND');
  });

  it('is carried by the evidence report', async () => {
    const report = await world.services.report('DR-1');
    expect(report.diffs.map((d) => d.key)).toEqual(['Flow/Old', 'Layout/Account', 'Layout/New']);
  });

  it('is carried by a compare with content: what sending one instance to another would change in it', async () => {
    const { differences } = await world.services.compareContent('dev-alice', 'staging');
    expect(differences.map((d) => [d.key, d.change])).toEqual([
      ['Flow/Old', 'removed'],
      ['Layout/Account', 'changed'],
      ['Layout/New', 'added'],
    ]);
    expect(differences[1]!.diff).toContain('--- a/Layout/Account\n+++ b/Layout/Account\n');
    expect(differences[1]!.diff).toContain('-email\n+email address\n');
  });
});

describe('a diff bounded in time', () => {
  const different = (prefix: string) => Array.from({ length: 20_000 }, (_, i) => `${prefix} ${i * 7919}`).join('\n');

  it('of texts too different to compare in time is cut off, saying so', () => {
    const started = Date.now();
    const cut = componentDiff('Layout/Huge', 'modify', different('old'), different('new'), 5);
    expect(Date.now() - started).toBeLessThan(DIFF_LIMITS.perComponentMs);
    expect(cut.diff).toBe('');
    expect(cut.cutOff).toBe('The texts are too different to compare within 0.005 s (20,000 lines before, 20,000 after).');
  });

  it('of many components stops drawing once the answer used its time, saying so for the rest', () => {
    // The clock as read: when the answer starts, before the first component, and before the second, by then the
    // whole budget later.
    const readings = [0, 0, DIFF_LIMITS.totalMs];
    const items = ['A', 'B'].map((name) => ({ key: `Layout/${name}`, action: 'modify' as const, before: 'a\n', after: 'b\n' }));
    const diffs = componentDiffs(items, () => readings.shift()!);
    expect(diffs[0]!.diff).toContain('-a\n+b\n');
    expect(diffs[1]).toMatchObject({ diff: '', cutOff: 'Not drawn: the diffs of this answer took their whole time (1 line before, 1 after).' });
  });
});
