import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncLabel } from '../../src/domain/pipeline.ts';
import type { LogLine, Run } from '../../src/domain/types.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, as, createWorld, twoStagingConfig, type World } from '../helpers/world.ts';
import { contents, projectOf, refused } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

describe('sync: three-way merge', () => {
  beforeEach(async () => {
    world = await createWorld(db);
  });

  it('takes upstream-only changes, keeps local-only changes, keeps and lists conflicts, and ignores identical changes', async () => {
    const s = world.services;
    await world.put('staging', {
      'Layout/A': 'a1', // changed only upstream → taken
      'Layout/B': 'b1', // changed only locally → kept
      'Layout/C': 'c1', // changed on both sides differently → conflict, local kept
      'Layout/D': 'd1', // changed on both sides identically → nothing to do
      'Layout/E': 'e1', // deleted locally → kept (stays deleted)
      'Layout/F': 'f1', // deleted upstream → taken (deleted here)
      'Layout/G': 'g1', // modified locally, deleted upstream → conflict
      'Layout/H': 'h1', // deleted locally, modified upstream → conflict
      'Layout/K': 'k1', // untouched everywhere
    });
    const first = await s.sync(as(ALICE), 'dev-alice');
    expect(first.taken).toEqual(['Layout/A', 'Layout/B', 'Layout/C', 'Layout/D', 'Layout/E', 'Layout/F', 'Layout/G', 'Layout/H', 'Layout/K']);
    expect(first.conflicts).toEqual([]);

    await world.put('dev-alice', { 'Layout/B': 'b2', 'Layout/C': 'c-local', 'Layout/D': 'd2', 'Layout/G': 'g-local', 'Layout/I': 'i1' }, ALICE);
    await s.components.remove(as(ALICE), 'dev-alice', 'Layout/E');
    await s.components.remove(as(ALICE), 'dev-alice', 'Layout/H');
    await world.put('staging', { 'Layout/A': 'a2', 'Layout/C': 'c-upstream', 'Layout/D': 'd2', 'Layout/H': 'h2', 'Layout/J': 'j1' });
    await s.components.remove(as(ADMIN), 'staging', 'Layout/F');
    await s.components.remove(as(ADMIN), 'staging', 'Layout/G');

    const result = await s.sync(as(ALICE), 'dev-alice');
    expect(result.taken).toEqual(['Layout/A', 'Layout/F', 'Layout/J']);
    expect(result.kept).toEqual(['Layout/B', 'Layout/E', 'Layout/I']);
    expect(result.conflicts).toEqual(['Layout/C', 'Layout/G', 'Layout/H']);
    expect(await contents(world, 'dev-alice')).toEqual({
      'Layout/A': 'a2',
      'Layout/B': 'b2',
      'Layout/C': 'c-local',
      'Layout/D': 'd2',
      'Layout/G': 'g-local',
      'Layout/I': 'i1',
      'Layout/J': 'j1',
      'Layout/K': 'k1',
    });

    // The new baseline is the source as synced: the project is exactly what differs from staging now.
    const preview = await s.sendPreview('dev-alice');
    expect(preview.changes.map((c) => [c.key, c.action])).toEqual([
      ['Layout/B', 'modify'],
      ['Layout/C', 'modify'],
      ['Layout/E', 'delete'],
      ['Layout/G', 'add'],
      ['Layout/H', 'delete'],
      ['Layout/I', 'add'],
    ]);
    expect(preview.drifted).toBe(false);

    // Conflicts are listed in the log (as warnings) and the summary counts every decision.
    const stored = (await s.logs(`RUN-${result.run.id}`))[0]!;
    const warnings = stored.lines.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings).toHaveLength(3);
    for (const key of ['Layout/C', 'Layout/G', 'Layout/H']) expect(warnings.some((w) => w.includes(key) && /conflict/i.test(w))).toBe(true);
    expect(stored.status).toBe('succeeded');
    expect(stored.summary).toBe('Taken 3, kept 3, conflicts 3');
    expect(stored.lines.at(-1)!.text).toContain('Taken 3, kept 3, conflicts 3');
  });

  it('a first sync with no baseline takes everything the local instance does not have', async () => {
    await world.put('staging', { 'Layout/A': 'a1', 'Layout/B': 'b1' });
    await world.put('dev-bob', { 'Layout/Z': 'z1' });
    const result = await world.services.sync(as(BOB), 'dev-bob');
    expect(result.taken).toEqual(['Layout/A', 'Layout/B']);
    expect(result.kept).toEqual(['Layout/Z']);
    expect(await contents(world, 'dev-bob')).toEqual({ 'Layout/A': 'a1', 'Layout/B': 'b1', 'Layout/Z': 'z1' });
  });

  it('sends live log lines to the sink while it runs and stores the same lines in order', async () => {
    const events: string[] = [];
    const seen: { run: Run; line: LogLine }[] = [];
    world.sink.line = (run, line) => {
      seen.push({ run, line });
      events.push(`line:${line.text}`);
    };
    world.sink.finished = (run) => events.push(`finished:${run.status}`);
    await world.put('staging', { 'Layout/A': 'a1', 'Layout/B': 'b1' });
    const result = await world.services.sync(as(ALICE), 'dev-alice');

    // Every line reached the sink before the run finished, from a run still running.
    expect(events.at(-1)).toBe('finished:succeeded');
    expect(events.slice(0, -1).every((e) => e.startsWith('line:'))).toBe(true);
    expect(seen.every((l) => l.run.id === result.run.id && l.run.status === 'running')).toBe(true);
    const live = seen.map((l) => l.line.text);
    expect(live[0]).toBe('Syncing dev-alice with staging (Staging)');
    expect(live).toContain('Took Layout/A from staging');
    expect(live).toContain('Took Layout/B from staging');

    const [stored] = await world.services.logs(`RUN-${result.run.id}`);
    expect(stored!.kind).toBe('sync');
    expect(stored!.user).toBe(ALICE);
    expect(stored!.lines.map((l) => l.text)).toEqual(live);
    expect(stored!.lines.map((l) => l.level)).toEqual(seen.map((l) => l.line.level));
  });

  it('lists the first 100 components taken and summarises the rest, but lists every conflict', async () => {
    const upstream: Record<string, string> = {};
    for (let i = 0; i < 150; i++) upstream[`Layout/L${String(i).padStart(3, '0')}`] = 'v1';
    await world.put('staging', upstream);
    const result = await world.services.sync(as(ALICE), 'dev-alice');
    expect(result.taken).toHaveLength(150);
    const texts = world.sink.textsOf(result.run.id);
    expect(texts.filter((t) => t.startsWith('Took '))).toHaveLength(100);
    expect(texts).toContain('…and 50 more taken from staging');
    const stored = (await world.services.logs(`RUN-${result.run.id}`))[0]!.lines.map((l) => l.text);
    expect(stored).toEqual(texts);
  });

  it('a failing sink never changes the outcome of the sync', async () => {
    world.sink.line = () => {
      throw new Error('chat is down');
    };
    await world.put('staging', { 'Layout/A': 'a1' });
    const result = await world.services.sync(as(ALICE), 'dev-alice');
    expect(result.taken).toEqual(['Layout/A']);
    expect((await world.services.logs(`RUN-${result.run.id}`))[0]!.lines.length).toBeGreaterThan(1);
  });

  it('labels follow the target environment', async () => {
    expect(syncLabel((await world.services.syncSources('dev-alice')).upper)).toBe('Sync with Instance');
    expect(syncLabel((await world.services.syncSources('staging')).upper)).toBe('Sync with Production');
  });

  it('production has nothing above it to sync from', async () => {
    const error = await refused(world.services.sync(as(ADMIN), 'production'), 'INVALID_STATE');
    expect(error.message).toContain('top of the pipeline');
  });

  it('an owned instance is synced only by its owner or an admin; an unowned one by anyone', async () => {
    await world.put('staging', { 'Layout/A': 'a1' });
    const error = await refused(world.services.sync(as(BOB), 'dev-alice'), 'NOT_PERMITTED');
    expect(error.message).toContain('@U0ALICE');
    expect(await contents(world, 'dev-alice')).toEqual({});
    expect((await world.services.sync(as(ADMIN), 'dev-alice')).taken).toEqual(['Layout/A']);
    expect((await world.services.sync(as(ALICE), 'dev-bob')).taken).toEqual(['Layout/A']);
    const refusal = (await world.services.audit({ subject: 'dev-alice' })).find((e) => e.outcome === 'refused');
    expect(refusal).toMatchObject({ actor: BOB, action: 'sync', details: { code: 'NOT_PERMITTED' } });
  });

  it('an unknown instance is refused with the list of instances', async () => {
    const error = await refused(world.services.sync(as(ALICE), 'dev-nobody'), 'NOT_FOUND');
    expect(error.message).toContain('dev-alice');
  });
});

describe('sync: picking the source and replacing the parent', () => {
  beforeEach(async () => {
    world = await createWorld(db, twoStagingConfig);
  });

  it('asks which source when the environment above has several instances, and refuses one from elsewhere', async () => {
    const s = world.services;
    expect((await s.syncSources('dev-alice')).sources.map((i) => i.name)).toEqual(['staging-a', 'staging-b']);
    const pick = await refused(s.sync(as(ALICE), 'dev-alice'), 'INVALID_INPUT');
    expect(pick.message).toContain('staging-a, staging-b');
    const wrong = await refused(s.sync(as(ALICE), 'dev-alice', 'production'), 'INVALID_INPUT');
    expect(wrong.message).toContain('not an instance of Staging');
    expect((await projectOf(world, 'dev-alice')).parent).toBeNull();
  });

  it('the last sync replaces the parent and the baseline', async () => {
    const s = world.services;
    await world.put('staging-a', { 'Layout/A': 'from-a', 'Layout/OnlyA': 'x' });
    await world.put('staging-b', { 'Layout/A': 'from-b', 'Layout/OnlyB': 'y' });

    await s.sync(as(ALICE), 'dev-alice', 'staging-a');
    expect((await projectOf(world, 'dev-alice')).parent).toBe('staging-a');
    expect((await s.syncSources('dev-alice')).preferred?.name).toBe('staging-a');

    const second = await s.sync(as(ALICE), 'dev-alice', 'staging-b');
    expect(second.source.name).toBe('staging-b');
    expect(await contents(world, 'dev-alice')).toEqual({ 'Layout/A': 'from-b', 'Layout/OnlyB': 'y' });
    const after = await projectOf(world, 'dev-alice');
    expect(after.parent).toBe('staging-b');
    // The baseline is staging-b as synced: no pending changes, no drift against it.
    expect(after.changes).toEqual({ added: 0, modified: 0, deleted: 0 });
    expect((await s.sendPreview('dev-alice')).drifted).toBe(false);
    // Without a name, the next sync uses the synced parent.
    await world.put('staging-b', { 'Layout/New': 'n' });
    const third = await s.sync(as(ALICE), 'dev-alice');
    expect(third.source.name).toBe('staging-b');
    expect(third.taken).toEqual(['Layout/New']);
  });
});
