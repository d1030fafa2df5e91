import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';

/** What a newcomer ran into on the command line; the tests share one pipeline and run in order. */

let dir: string;
let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
let syncRun: string;

beforeAll(async () => {
  workspace = await cliWorkspace('cli-usability');
  dir = workspace.dir;
  expect((await cli('migrate')).code).toBe(0);
  expect((await cli('components', 'put', 'staging', 'Layout/Base', '--content', 'base', '--user', 'U0ADMIN')).code).toBe(0);
  expect((await cli('components', 'put', 'staging', 'Layout/Account', '--content', 'account', '--depends', 'Layout/Base', '--user', 'U0ADMIN')).code).toBe(0);
  const synced = await cli('--json', 'sync', 'dev-alice', '--user', 'U0ALICE');
  expect(synced.code).toBe(0);
  syncRun = JSON.parse(synced.out).id;
});

afterAll(() => workspace.close());

describe('sandbox command line, as a newcomer meets it', () => {
  it('reads a bare number in `logs` as a request, else as a run, and names both forms when neither exists', async () => {
    const n = syncRun.replace('RUN-', '');
    const run = await cli('--json', 'logs', n);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).runs).toMatchObject([{ id: syncRun, kind: 'sync' }]);

    const neither = await cli('logs', '99');
    expect(neither.code).toBe(2);
    expect(neither.err).toBe('Neither DR-99 nor RUN-99 exists. Write DR-99 for the runs of a request or RUN-99 for one run; `sandbox queue` lists the waiting requests.');
  });

  it('shows "no changes" in status and lists components in aligned columns', async () => {
    const status = await cli('status');
    expect(status.out).toMatch(/^ {2}dev-alice .* Ready {2}no changes/m);
    expect(status.out).not.toContain('0 added, 0 modified, 0 deleted');

    const listed = (await cli('components', 'list', 'staging')).out.split('\n');
    expect(listed).toHaveLength(2);
    const hashColumn = listed.map((line) => line.search(/\b[0-9a-f]{12}\b/));
    expect(hashColumn[0]).toBeGreaterThan(0);
    expect(hashColumn[1]).toBe(hashColumn[0]);
    expect(listed[0]).toMatch(/^Layout\/Account {2}[0-9a-f]{12} {2}U0ADMIN {2}needs Layout\/Base$/);
    expect(listed[1]).toMatch(/^Layout\/Base {5}[0-9a-f]{12} {2}U0ADMIN$/);
  });

  it('refuses `components put --file` of a missing file or a directory as bad input, saying what to do', async () => {
    const missing = join(dir, 'nonexistent');
    const noFile = await cli('components', 'put', 'dev-bob', 'Layout/X', '--file', missing);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toBe(`Cannot read ${missing}: no such file. Give the path of an existing file with --file, or the content itself with --content.`);

    const aDirectory = await cli('components', 'put', 'dev-bob', 'Layout/X', '--file', dir);
    expect(aDirectory.code).toBe(2);
    expect(aDirectory.err).toContain(`Cannot read ${dir}: it is a directory.`);
    expect(aDirectory.err).toContain(`sandbox components import dev-bob ${dir}`);
  });

  it('keeps dependencies through a directory export and import (.dependencies.json), skipping dotfiles', async () => {
    const target = join(dir, 'staging-export');
    expect((await cli('components', 'export', 'staging', target)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(target, '.dependencies.json'), 'utf8'))).toEqual({ 'Layout/Account': ['Layout/Base'] });
    writeFileSync(join(target, '.DS_Store'), 'junk');
    mkdirSync(join(target, '.git'));
    writeFileSync(join(target, '.git', 'HEAD'), 'ref: refs/heads/main');

    const imported = await cli('components', 'import', 'dev-bob', target, '--user', 'U0BOB');
    expect(imported.out).toBe('Imported 2 components into dev-bob.');
    const listed = JSON.parse((await cli('--json', 'components', 'list', 'dev-bob')).out);
    expect(listed.components.map((c: { key: string; dependsOn: string[] }) => [c.key, c.dependsOn])).toEqual([
      ['Layout/Account', ['Layout/Base']],
      ['Layout/Base', []],
    ]);

    writeFileSync(join(target, '.dependencies.json'), JSON.stringify({ 'Layout/Gone': ['Layout/Base'] }));
    const stale = await cli('components', 'import', 'dev-bob', target, '--user', 'U0BOB');
    expect(stale.code).toBe(2);
    expect(stale.err).toContain('lists Layout/Gone, which has no file in');
  });

  it('names the instances in `compare` instead of +, - and ~', async () => {
    await cli('components', 'put', 'dev-bob', 'Layout/Account', '--content', 'account, wider', '--depends', 'Layout/Base', '--user', 'U0BOB');
    await cli('components', 'put', 'dev-bob', 'Layout/Extra', '--content', 'extra', '--user', 'U0BOB');
    await cli('components', 'put', 'staging', 'Layout/StagingOnly', '--content', 'only', '--user', 'U0ADMIN');
    const compared = await cli('compare', 'staging', 'dev-bob');
    expect(compared.out).toBe(
      [
        'staging → dev-bob: 1 added, 1 removed, 1 changed',
        '  changed:         Layout/Account',
        '  only in dev-bob: Layout/Extra',
        '  only in staging: Layout/StagingOnly',
      ].join('\n'),
    );
  });

  it('takes `audit --since` as a duration or an ISO time, and `--limit`', async () => {
    const recent = await cli('--json', 'audit', '--since', '1h');
    expect(recent.code).toBe(0);
    expect(JSON.parse(recent.out).events.length).toBeGreaterThan(2);
    expect(JSON.parse((await cli('--json', 'audit', '--since', '2000-01-01T00:00:00Z')).out).events.length).toBeGreaterThan(2);
    expect(JSON.parse((await cli('--json', 'audit', '--since', '3000-01-01')).out).events).toEqual([]);

    // States in words, as everywhere else; --json keeps them as recorded.
    expect((await cli('components', 'put', 'dev-alice', 'Layout/Audited', '--content', 'a1', '--user', 'U0ALICE')).code).toBe(0);
    expect((await cli('send', 'dev-alice', '--message', 'audited', '--yes', '--user', 'U0ALICE')).code).toBe(0);
    const text = (await cli('audit', '--since', '1h')).out;
    expect(text).toMatch(/ send DR-\d+: pending approval$/m);
    expect(text).not.toContain('pending_approval');
    expect((await cli('--json', 'audit', '--since', '1h')).out).toContain('"outcome":"pending_approval"');

    const bad = await cli('audit', '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('--since "yesterday" is neither a duration nor a time. Use a duration ago such as 30s, 15m, 4h or 7d, or an ISO 8601 time such as 2026-11-01T09:00:00Z.');

    expect(JSON.parse((await cli('--json', 'audit', '--limit', '2')).out).events).toHaveLength(2);
    expect((await cli('audit', '--limit', '1')).out).toMatch(/\n\(the first 1 events; narrow with --since or raise --limit to see more\)$/);
    const zero = await cli('audit', '--limit', '0');
    expect(zero.code).toBe(2);
    expect(zero.err).toContain('--limit "0" is not a whole number of 1 or more');
  });

  it('prints {"error":{code,message}} on stdout for a --json refusal or failure, keeping stderr and the exit codes', async () => {
    const notFound = await cli('--json', 'deploy', 'DR-99', '--user', 'U0DEPLOY');
    expect(notFound.code).toBe(2);
    expect(notFound.err).toContain('DR-99 was not found');
    expect(JSON.parse(notFound.out)).toEqual({ error: { code: 'NOT_FOUND', message: notFound.err } });

    const anonymous = JSON.parse((await cli('--json', 'components', 'put', 'dev-alice', 'Layout/X', '--content', 'x')).out);
    expect(anonymous.error.code).toBe('NOT_PERMITTED');
    expect(anonymous.error.message).toMatch(/belongs to @U0ALICE.*add --user <slack id>\.$/);

    const usage = await cli('--json', 'bogus');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out)).toEqual({ error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^unknown command 'bogus'/) } });
    expect(usage.err).toContain("error: unknown command 'bogus'");
    expect((await cli('--json', 'help')).out).not.toContain('"error"');

    await cli('components', 'put', 'dev-alice', 'Layout/Account', '--content', 'account v2', '--depends', 'Layout/Base', '--user', 'U0ALICE');
    const sent = JSON.parse((await cli('--json', 'send', 'dev-alice', '--message', 'v2', '--yes', '--user', 'U0ALICE')).out);
    await cli('components', 'put', 'staging', 'Layout/Account', '--content', 'changed meanwhile', '--user', 'U0ADMIN');
    const failed = await cli('--json', 'validate', sent.id);
    expect(failed.code).toBe(1);
    expect(failed.out.split('\n')).toHaveLength(1);
    expect(JSON.parse(failed.out)).toMatchObject({ ok: false, drifted: [{ key: 'Layout/Account' }], error: { code: 'FAILED', message: failed.err } });
    expect(failed.err).toMatch(/^Validation failed: 1 conflict/);
  });

  it('tells how a change request approval stands', async () => {
    await cli('cr', 'new', '--name', 'Wider account', '--type', 'normal', '--overview', 'wider layout', '--user', 'U0ALICE');
    await cli('cr', 'submit', 'CR-1', '--user', 'U0ALICE');
    expect((await cli('cr', 'approve', 'CR-1', '--user', 'U0BOB')).out).toBe('CR-1: 1 approval so far; pending approval.');
    const last = JSON.parse((await cli('--json', 'cr', 'approve', 'CR-1', '--user', 'U0CAROL')).out);
    expect(last).toMatchObject({ id: 'CR-1', state: 'approved', approvals: 2 });
  });
});
