import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';
import { onPostgres } from '../helpers/database.ts';
import { threeStepConfig } from '../helpers/world.ts';

const run = promisify(execFile);
let dir: string;
let workspace: Awaited<ReturnType<typeof cliWorkspace>>;

beforeAll(async () => {
  workspace = await cliWorkspace('cli');
  dir = workspace.dir;
});
afterAll(() => workspace.close());

describe('sandbox command line', () => {
  it('walks sync, send, approve, deploy and logs, with --json shapes and exit codes', async () => {
    expect((await cli('migrate')).code).toBe(0);
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({ 'Layout/Account': 'v1', 'Workflow/Onboarding': 'w1' }));
    expect((await cli('components', 'import', 'staging', seed, '--user', 'U0ADMIN')).out).toContain('Imported 2 components into staging');

    const synced = await cli('--json', 'sync', 'dev-alice', '--user', 'U0ALICE');
    expect(synced.code).toBe(0);
    expect(JSON.parse(synced.out)).toMatchObject({ state: 'succeeded', source: 'staging', taken: ['Layout/Account', 'Workflow/Onboarding'] });

    expect((await cli('components', 'put', 'dev-alice', 'Layout/Account', '--content', 'v2', '--user', 'U0ALICE')).code).toBe(0);
    const noMessage = await cli('send', 'dev-alice', '--user', 'U0ALICE');
    expect(noMessage.code).toBe(2);
    expect(noMessage.err).toContain("required option '--message <text>' not specified");

    const sent = await cli('--json', 'send', 'dev-alice', '--message', 'wider layout', '--user', 'U0ALICE');
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.out)).toMatchObject({ id: 'DR-1', state: 'pending_approval', target: 'Staging', summary: { added: 0, modified: 1, deleted: 0 } });

    const again = await cli('send', 'dev-alice', '--message', 'again', '--user', 'U0ALICE');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/DR-1 already waits in Staging's deployment queue.*disabled until new changes are available/);

    const self = await cli('approve', 'DR-1', '--user', 'U0ALICE');
    expect(self.code).toBe(2);
    expect(self.err).toContain('@U0BOB');
    expect(self.err).not.toContain('<@');

    expect((await cli('approve', '1', '--user', 'U0BOB')).out).toContain('State: approved');
    const deployed = await cli('--json', 'deploy', 'DR-1', '--user', 'U0DEPLOY');
    expect(deployed.code).toBe(0);
    expect(JSON.parse(deployed.out)).toMatchObject({ id: 'DR-1', state: 'deployed', succeeded: true });

    const logs = JSON.parse((await cli('--json', 'logs', 'DR-1')).out);
    expect(logs.runs).toHaveLength(1);
    expect(logs.runs[0]).toMatchObject({ id: 'RUN-2', kind: 'deploy', status: 'succeeded', user: 'U0DEPLOY', message: 'wider layout' });
    expect(Object.keys(logs.runs[0]).sort()).toEqual(['endedAt', 'id', 'kind', 'lines', 'message', 'startedAt', 'status', 'user']);
    expect(logs.runs[0].lines.map((l: { text: string }) => l.text)).toContain('Deployment succeeded: DR-1 is live in Staging');
    expect(Object.keys(logs.runs[0].lines[0]).sort()).toEqual(['at', 'level', 'text']);

    const compare = await cli('compare', 'dev-alice', 'staging');
    expect(compare.out).toBe('dev-alice and staging hold the same components.');

    const exported = join(dir, 'export.json');
    await cli('components', 'export', 'staging', exported);
    expect(JSON.parse(readFileSync(exported, 'utf8'))).toEqual([
      { key: 'Layout/Account', content: 'v2' },
      { key: 'Workflow/Onboarding', content: 'w1' },
    ]);

    const audit = JSON.parse((await cli('--json', 'audit', '--request', 'DR-1')).out);
    expect(audit.events.map((e: { action: string; outcome: string; via: string }) => `${e.action}:${e.outcome}:${e.via}`)).toEqual([
      'send:pending_approval:cli',
      'approve:refused:cli',
      'approve:approved:cli',
      'deploy:deployed:cli',
    ]);
  });

  it('exits 2 with the reason for a refusal, 1 for a failed deployment, and names bad input', async () => {
    expect((await cli('deploy', 'DR-99', '--user', 'U0DEPLOY')).err).toContain('DR-99 was not found');
    expect((await cli('deploy', 'CR-1', '--user', 'U0DEPLOY')).code).toBe(2);
    expect((await cli('deploy', 'DR-1')).err).toContain('add `--user <slack id>`');
    const anonymous = await cli('components', 'put', 'dev-alice', 'Layout/X', '--content', 'x');
    expect(anonymous.code).toBe(2);
    expect(anonymous.err).toBe('You cannot change components of dev-alice: it belongs to @U0ALICE. Ask them or an admin, or work in an instance of your own. You did not say who you are: add --user <slack id>.');
    await cli('components', 'put', 'staging', 'Layout/Elsewhere', '--content', 'e', '--user', 'U0ADMIN');
    await cli('components', 'put', 'dev-alice', 'Layout/X', '--content', 'x', '--user', 'U0ALICE');
    const drifted = await cli('send', 'dev-alice', '--message', 'm', '--user', 'U0ALICE');
    expect(drifted.code).toBe(2);
    expect(drifted.err).toMatch(/or confirm that you send anyway\. Add --yes to send anyway\.$/);
    expect((await cli('queue', 'Nowhere')).err).toBe('Environment "Nowhere" was not found. Environments: Development, Staging, Production.');
    expect((await cli()).code).toBe(2);
    expect((await cli('help')).code).toBe(0);
    const unknown = await cli('bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'bogus'");

    await cli('components', 'put', 'dev-bob', 'Layout/Debug', '--content', 'debug=true', '--user', 'U0BOB');
    await cli('sync', 'staging', '--user', 'U0ADMIN');
    await cli('components', 'put', 'staging', 'Layout/Debug', '--content', 'debug=true', '--user', 'U0ADMIN');
    await cli('cr', 'new', '--name', 'Debug', '--type', 'standard', '--overview', 'turn on debug', '--user', 'U0ALICE');
    await cli('cr', 'submit', 'CR-1', '--user', 'U0ALICE');
    expect((await cli('cr', 'approve', 'CR-1', '--user', 'U0BOB')).out).toBe('CR-1: 1 approval so far; pending approval.');
    const crApproved = JSON.parse((await cli('--json', 'cr', 'approve', 'CR-1', '--user', 'U0CAROL')).out);
    expect(crApproved).toMatchObject({ id: 'CR-1', state: 'approved', approvals: 2 });
    await cli('cr', 'new', '--name', 'Second', '--type', 'normal', '--overview', 'o', '--user', 'U0ALICE');
    await cli('cr', 'submit', 'CR-2', '--user', 'U0ALICE');
    await cli('cr', 'approve', 'CR-2', '--user', 'U0BOB');
    expect((await cli('cr', 'approve', 'CR-2', '--user', 'U0CAROL')).out).toBe('CR-2: 2 approvals; approved.');
    const sent = JSON.parse((await cli('--json', 'send', 'staging', '--message', 'debug', '--cr', 'CR-1', '--yes', '--user', 'U0ADMIN')).out);
    await cli('approve', sent.id, '--user', 'U0BOB');
    await cli('approve', sent.id, '--user', 'U0CAROL');
    const failed = await cli('deploy', sent.id, '--user', 'U0DEPLOY');
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('post-deploy check "no debug flags" failed');
  });

  it('imports a directory of Type/Name files and exports it back', async () => {
    const source = join(dir, 'components');
    mkdirSync(join(source, 'Layout'), { recursive: true });
    mkdirSync(join(source, 'Workflow'), { recursive: true });
    writeFileSync(join(source, 'Layout', 'Lead'), 'lead layout\n');
    writeFileSync(join(source, 'Workflow', 'Escalation'), 'escalate after 2h\n');
    expect((await cli('components', 'import', 'dev-bob', source, '--user', 'U0BOB')).out).toBe('Imported 2 components into dev-bob.');
    const listed = JSON.parse((await cli('--json', 'components', 'list', 'dev-bob')).out);
    expect(listed.components.map((c: { key: string }) => c.key)).toEqual(expect.arrayContaining(['Layout/Lead', 'Workflow/Escalation']));
    const target = join(dir, 'exported');
    await cli('components', 'export', 'dev-bob', target);
    expect(readFileSync(join(target, 'Workflow', 'Escalation'), 'utf8')).toBe('escalate after 2h\n');
    const missing = await cli('components', 'import', 'dev-bob', join(dir, 'nowhere'), '--user', 'U0BOB');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('does not exist. Give a directory of Type/Name files or a .json file.');
  });

  it('schedules a deployment with deploy --at and cancels it with unschedule', async () => {
    expect((await cli('components', 'put', 'dev-bob', 'Flow/Scheduled', '--content', 's1', '--user', 'U0ADMIN')).code).toBe(0);
    const sent = JSON.parse((await cli('--json', 'send', 'dev-bob', '--message', 'for tonight', '--yes', '--user', 'U0BOB')).out);
    expect((await cli('approve', sent.id, '--user', 'U0QA')).code).toBe(2); // no user groups without a bot token
    expect((await cli('approve', sent.id, '--user', 'U0ADMIN')).code).toBe(0);

    const before = Date.now();
    const planned = await cli('--json', 'deploy', sent.id, '--at', 'in 2 hours', '--user', 'U0DEPLOY');
    expect(planned.code).toBe(0);
    const at = new Date(JSON.parse(planned.out).scheduledAt).getTime();
    expect(at).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1000);
    expect(JSON.parse(planned.out)).toMatchObject({ id: sent.id, state: 'approved', scheduledBy: 'U0DEPLOY' });

    const unreadable = await cli('deploy', sent.id, '--at', 'whenever', '--user', 'U0DEPLOY');
    expect(unreadable.code).toBe(2);
    expect(unreadable.err).toContain('"whenever" is not a time I can read');
    const notYours = await cli('unschedule', sent.id, '--user', 'U0ALICE');
    expect(notYours.code).toBe(2);
    expect(notYours.err).toContain('You cannot cancel scheduled deployments in Staging');
    expect((await cli('unschedule', sent.id, '--user', 'U0DEPLOY')).out).toContain(`The scheduled deployment of ${sent.id} is cancelled.`);
    const nothing = await cli('unschedule', sent.id, '--user', 'U0DEPLOY');
    expect(nothing.code).toBe(2);
    expect(nothing.err).toContain(`${sent.id} has no scheduled deployment to cancel.`);
  });

  it('stops on a bad configuration file with the field and the reason', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, threeStepConfig.replace('kind: staging', 'kind: stage'));
    process.env.SANDBOX_CONFIG = bad;
    try {
      const result = await cli('config', 'check');
      expect(result.code).toBe(2);
      expect(result.err).toContain('environments[1].kind');
    } finally {
      process.env.SANDBOX_CONFIG = join(dir, 'sandbox.config.yml');
    }
  });

  it.runIf(!onPostgres)('runs as the installed `sandbox` binary', async () => {
    const { stdout } = await run('node', ['bin/sandbox.mjs', '--json', 'queue', 'Staging'], { env: process.env });
    expect(JSON.parse(stdout).queues[0]).toMatchObject({ environment: 'Staging' });
  });
});
