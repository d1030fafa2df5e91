import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPipelineConfig, parsePipelineConfig } from '../../src/config/load.ts';
import { applyPipelineConfig } from '../../src/db/apply-config.ts';
import { queryRows } from '../../src/db/client.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { threeStepConfig } from '../helpers/world.ts';

function configError(text: string): string {
  try {
    parsePipelineConfig(text, 'sandbox.config.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('CONFIG_INVALID');
    return (error as DomainError).message;
  }
  throw new Error('the configuration was accepted');
}

const pipeline = (environments: string, top = '') => `${top}\nenvironments:\n${environments}`;
const development = `
  - name: Development
    kind: development
    instances: [dev-alice]`;
/** Development holding `instances` (YAML list items, one per line). */
const developmentOf = (instances: string) => `
  - name: Development
    kind: development
    instances:
${instances}`;
const production = `
  - name: Production
    kind: production
    instances: [production]`;

describe('configuration validation', () => {
  it('accepts the example shape of DESIGN.md with its defaults', () => {
    const config = parsePipelineConfig(threeStepConfig, 'test');
    expect(config.environments.map((e) => [e.name, e.kind])).toEqual([
      ['Development', 'development'],
      ['Staging', 'staging'],
      ['Production', 'production'],
    ]);
    expect(config.environments[0]!.approvals).toEqual({ required: 0, approvers: [], userGroups: [], requireChangeRequest: false, allowSelfApproval: false });
    expect(config.environments[2]!.checks).toEqual([{ name: 'no debug flags', forbid: 'debug=true' }]);
    expect(config.schedules).toEqual({ tick: '*/30 * * * * *', approvalReminder: { after: '4h', every: '4h', times: 3 }, expireAfter: '7d', driftReport: '0 9 * * 1-5', digest: '0 9 * * 1-5', timezone: 'UTC' });
  });

  it('names the file, every field at fault and the reason', () => {
    const message = configError(
      pipeline(
        `
  - name: Development
    kind: developer
    instances: [{ name: Dev_Alice, owner: alice }]
  - name: Production
    kind: production
    instances: [production]`,
        'schedules: { expireAfter: 7 days }',
      ),
    );
    expect(message).toContain('sandbox.config.yml is not a valid pipeline configuration');
    expect(message).toMatch(/environments\[0\]\.kind: .*"development"/);
    expect(message).toContain('environments[0].instances[0].name (instance Dev_Alice): must be lower-case letters, digits and dashes');
    expect(message).toContain('environments[0].instances[0].owner (instance Dev_Alice): must be a Slack user id such as U0ALICE');
    expect(message).toContain('schedules.expireAfter: must be a number and a unit, e.g. 30s, 15m, 4h or 7d');
  });

  it.each([
    ['production not at the top', pipeline(`${production}${development}`), 'environments[0].kind: production must be the last (top) environment'],
    ['no production at the top', pipeline(`${development}\n  - name: Staging\n    kind: staging\n    instances: [staging]`), 'environments[1].kind: the last (top) environment must be production'],
    ['two development environments below production', pipeline(`${development}\n  - name: Integration\n    kind: development\n    instances: [int]${production}`), 'environments[1].kind: with more than one sandbox environment, the one below production must be staging'],
    ['staging below development', pipeline(`\n  - name: Staging\n    kind: staging\n    instances: [staging]${development}\n  - name: QA\n    kind: staging\n    instances: [qa]${production}`), 'environments[1].kind: development cannot come after staging'],
    ['two production instances', pipeline(`${development}\n  - name: Production\n    kind: production\n    instances: [production, backup]`), 'environments[1].instances: production has exactly one instance'],
    ['approvals without approvers', pipeline(`${development}${production}\n    approvals: { required: 1 }`), 'environments[1].approvals: requires approvals but names no approvers or userGroups'],
    ['an instance in two environments', pipeline(`${development}\n  - name: Staging\n    kind: staging\n    instances: [dev-alice]${production}`), 'environments[1].instances[0] (instance dev-alice): "dev-alice" is already an instance of Development'],
    ['two environments with one name', pipeline(`${development}\n  - name: development\n    kind: staging\n    instances: [staging]${production}`), 'environments[1].name: "development" is used by two environments'],
    ['only production', pipeline(production), 'environments: must list at least one sandbox environment and production'],
    ['an unknown key', pipeline(`${development}${production}\n    approver: [U0BOB]`), 'environments[1]: Unrecognized key: "approver"'],
    ['a bad approver id', pipeline(`${development}${production}\n    approvals: { required: 1, approvers: [bob] }`), 'environments[1].approvals.approvers[0]: must be a Slack user id'],
    ['a bad user group id', pipeline(`${development}${production}\n    approvals: { required: 1, userGroups: [U0QA] }`), 'environments[1].approvals.userGroups[0]: must be a Slack user-group id'],
    ['a negative approval count', pipeline(`${development}${production}\n    approvals: { required: -1, approvers: [U0BOB] }`), 'environments[1].approvals.required:'],
    ['a bad channel', pipeline(`${development}${production}\n    channel: general`), 'environments[1].channel: must be a Slack channel id'],
    ['a bad admin', pipeline(`${development}${production}`, 'admins: [root]'), 'admins[0]: must be a Slack user id'],
    ['a bad freeze duration', pipeline(`${development}${production}\n    freezes: [{ cron: "0 16 * * 5", for: 2 days, reason: weekend }]`), 'environments[1].freezes[0]'],
    ['a freeze cron that is not one', pipeline(`${development}${production}\n    freezes: [{ cron: "every friday", for: 64h, reason: weekend }]`), 'environments[1].freezes[0]'],
    ['a freeze in an unknown time zone', pipeline(`${development}${production}\n    freezes: [{ cron: "0 16 * * 5", for: 64h, reason: weekend, timezone: Mars/Olympus }]`), 'environments[1].freezes[0]'],
    ['a freeze that ends before it starts', pipeline(`${development}${production}\n    freezes: [{ from: 2026-12-20T00:00:00Z, to: 2026-12-01T00:00:00Z, reason: backwards }]`), 'environments[1].freezes[0]'],
    ['a tick that is no cron expression', pipeline(`${development}${production}`, 'schedules: { tick: "30s" }'), 'schedules.tick: must be a cron expression'],
    ['a drift report time that is no cron expression', pipeline(`${development}${production}`, 'schedules: { driftReport: "9am" }'), 'schedules.driftReport: must be a cron expression'],
    ['an unknown schedules time zone', pipeline(`${development}${production}`, 'schedules: { timezone: Nowhere/Land }'), 'schedules.timezone: must be a time zone'],
    ['a check without text to forbid', pipeline(`${development}${production}\n    checks: [{ name: empty, forbid: "" }]`), 'environments[1].checks[0].forbid: must be the text no deployed component may contain'],
    ['no environments at all', '', 'environments: '],
  ])('refuses %s', (_label, text, expected) => {
    expect(configError(text)).toContain(expected);
  });

  it('accepts a git-backed instance: repo, branch, a folder (the root by default) and the name of its credential', () => {
    const config = parsePipelineConfig(
      pipeline(`${developmentOf(`      - { name: dev-alice, owner: U0ALICE, git: { repo: "https://git.example.com/acme/config.git", branch: dev-alice, path: components, credentials: GIT_TOKEN } }
      - { name: dev-bob, git: { repo: "ssh://git@git.example.com/acme/config.git", branch: feature/dev-bob } }`)}${production}`),
      'sandbox.config.yml',
    );
    expect(config.environments[0]!.instances).toEqual([
      { name: 'dev-alice', owner: 'U0ALICE', git: { repo: 'https://git.example.com/acme/config.git', branch: 'dev-alice', path: 'components', credentials: 'GIT_TOKEN' } },
      { name: 'dev-bob', git: { repo: 'ssh://git@git.example.com/acme/config.git', branch: 'feature/dev-bob', path: '' } },
    ]);
  });

  it('takes a repository given as a relative path as relative to the pipeline file; URLs and ssh addresses stay as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-config-'));
    const file = join(dir, 'sandbox.config.yml');
    writeFileSync(
      file,
      pipeline(`${developmentOf(`      - { name: dev-alice, git: { repo: repos/config.git, branch: dev-alice } }
      - { name: dev-bob, git: { repo: "git@git.example.com:acme/config.git", branch: dev-bob } }
      - { name: dev-carol, git: { repo: "file:///srv/config.git", branch: dev-carol } }
      - { name: dev-dave, git: { repo: /srv/config.git, branch: dev-dave } }`)}${production}`),
    );
    const repos = loadPipelineConfig(file).environments[0]!.instances.map((i) => (typeof i === 'string' ? undefined : i.git?.repo));
    expect(repos).toEqual([join(dir, 'repos', 'config.git'), 'git@git.example.com:acme/config.git', 'file:///srv/config.git', '/srv/config.git']);
  });

  it('names the git-backed instance at fault: a credential in the URL or the file, a bad branch, a folder outside the repository', () => {
    const message = configError(
      pipeline(`${developmentOf(`      - dev-alice
      - { name: dev-bob, git: { repo: "https://bot:ghp_secret@git.example.com/acme/config.git", branch: "dev..bob", path: ../elsewhere, credentials: ghp_secret_value } }`)}${production}`),
    );
    expect(message).toContain('environments[0].instances[1].git.repo (instance dev-bob): must not carry a credential: name the environment variable that holds it in `credentials` instead');
    expect(message).toContain('environments[0].instances[1].git.branch (instance dev-bob): must be a branch name git accepts');
    expect(message).toContain('environments[0].instances[1].git.path (instance dev-bob): must be a folder inside the repository');
    expect(message).toContain('environments[0].instances[1].git.credentials (instance dev-bob): must name the environment variable that holds the credential');
  });

  it('accepts targets and command checks beside forbid checks, with their defaults', () => {
    const config = parsePipelineConfig(
      pipeline(`${development}${production}
    targets:
      - { name: api, command: "./deploy.sh", revert: "./revert.sh", timeout: 10m, env: [API_TOKEN] }
    checks:
      - { name: no debug flags, forbid: "debug=true" }
      - { name: schema, command: "npm run --silent validate-config", timeout: 5m }`),
      'test',
    );
    const env = config.environments[1]!;
    expect(env.targets).toEqual([{ name: 'api', command: './deploy.sh', revert: './revert.sh', timeout: '10m', idleTimeout: '5m', env: ['API_TOKEN'] }]);
    expect(env.checks).toEqual([
      { name: 'no debug flags', forbid: 'debug=true' },
      { name: 'schema', command: 'npm run --silent validate-config', timeout: '5m', idleTimeout: '5m', env: [] },
    ]);
    expect(config.environments[0]!.targets).toEqual([]);
  });

  it('accepts hooks around syncs, deployments and reverts, and names a point that is not one', () => {
    const config = parsePipelineConfig(pipeline(`${development}${production}\n    hooks:\n      beforeDeploy: [{ command: ./preflight.sh }]\n      afterRevert: [{ command: ./tell.sh, env: [STATUS_TOKEN] }]`), 'test');
    expect(config.environments[1]!.hooks).toEqual({
      beforeDeploy: [{ command: './preflight.sh', timeout: '10m', idleTimeout: '5m', env: [] }],
      afterRevert: [{ command: './tell.sh', timeout: '10m', idleTimeout: '5m', env: ['STATUS_TOKEN'] }],
    });
    expect(config.environments[0]!.hooks).toEqual({});
    expect(configError(pipeline(`${development}${production}\n    hooks:\n      beforeDeploi: [{ command: ./x.sh }]`))).toContain(
      'environments[1].hooks: beforeDeploi: not a hook; hooks are beforeSync, afterSync, beforeDeploy, afterDeploy, beforeRevert, afterRevert',
    );
  });

  it('names the target or check at fault: a value where a name belongs, a bad duration, a name given twice, a check of both kinds', () => {
    const message = configError(
      pipeline(`${development}${production}
    targets:
      - { name: api, command: ./deploy.sh, env: [ghp_secret_value], timeout: soon }
    checks:
      - { name: mixed, forbid: x, command: ./check.sh }`),
    );
    expect(message).toContain('environments[1].targets[0].env[0]: must name an environment variable, e.g. API_TOKEN (never the value itself)');
    expect(message).toContain('environments[1].targets[0].timeout: must be a number and a unit');
    expect(message).toContain('environments[1].checks[0]: must be a check that forbids a text ({ name, forbid }) or runs a command ({ name, command, timeout })');
    const twice = configError(pipeline(`${development}${production}\n    targets:\n      - { name: api, command: ./deploy.sh }\n      - { name: api, command: ./other.sh }`));
    expect(twice).toContain('environments[1].targets[1].name: "api" names two targets of Production');
  });

  it('accepts webhook targets and hooks over https (plain http to this machine only), signed by a named secret', () => {
    const config = parsePipelineConfig(
      pipeline(`${development}${production}
    targets:
      - { name: cmdb, webhook: "https://cmdb.example.com/hooks/sandbox", revert: "https://cmdb.example.com/hooks/revert", secret: CMDB_SECRET }
    hooks:
      afterDeploy: [{ webhook: "http://localhost:8080/deployed" }]`),
      'test',
    );
    expect(config.environments[1]!.targets).toEqual([{ name: 'cmdb', webhook: 'https://cmdb.example.com/hooks/sandbox', revert: 'https://cmdb.example.com/hooks/revert', secret: 'CMDB_SECRET', timeout: '2m' }]);
    expect(config.environments[1]!.hooks).toEqual({ afterDeploy: [{ webhook: 'http://localhost:8080/deployed', timeout: '2m' }] });
    const message = configError(
      pipeline(`${development}${production}
    targets:
      - { name: cmdb, webhook: "http://cmdb.example.com/hooks", secret: whsec_abc }
      - { name: both, webhook: "https://cmdb.example.com/hooks", command: ./deploy.sh }
    hooks:
      beforeDeploy: [{ webhook: "https://bot:pw@status.example.com/hooks" }]`),
    );
    expect(message).toContain('environments[1].targets[0].webhook: must be an https:// URL (plain http only to localhost), e.g. https://cmdb.example.com/hooks/sandbox');
    expect(message).toContain('environments[1].targets[0].secret: must name an environment variable, e.g. API_TOKEN (never the value itself)');
    expect(message).toContain('environments[1].targets[1]: must run a command ({ name, command, timeout }) or call a webhook ({ name, webhook, secret, timeout })');
    expect(message).toContain('environments[1].hooks.beforeDeploy[0].webhook: must not carry a credential: name the one that signs it in `secret`');
  });

  it('refuses text that is not YAML, saying so', () => {
    expect(configError('environments: [')).toContain('sandbox.config.yml is not valid YAML');
  });

  it('a file that cannot be read names the path and the setting to fix', () => {
    const missing = join(tmpdir(), 'no-such-dir', 'sandbox.config.yml');
    expect(() => loadPipelineConfig(missing)).toThrow(/Cannot read the pipeline configuration .*no-such-dir.*SANDBOX_CONFIG/);
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-config-'));
    const path = join(dir, 'sandbox.config.yml');
    writeFileSync(path, threeStepConfig.replace('kind: staging', 'kind: qa'));
    expect(() => loadPipelineConfig(path)).toThrow(`${path} is not a valid pipeline configuration`);
  });

  it('accepts durations as a number and a unit', () => {
    for (const d of ['30s', '15m', '4h', '7d']) {
      expect(parsePipelineConfig(pipeline(`${development}${production}`, `schedules: { expireAfter: ${d} }`), 't').schedules.expireAfter).toBe(d);
    }
  });
});

describe('applying the configuration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await db.reset();
  });

  const apply = (text: string) => applyPipelineConfig(db.db, parsePipelineConfig(text, 'test'), new Date());
  const tables = async () => ({
    environments: await queryRows<Record<string, unknown>>(db.db, sql`select * from environments order by id`),
    instances: await queryRows<Record<string, unknown>>(db.db, sql`select * from instances order by id`),
  });
  const auditCount = async () => (await queryRows(db.db, sql`select id from audit_events`)).length;
  const instanceNames = async () => (await queryRows<{ name: string }>(db.db, sql`select name from instances order by id`)).map((r) => r.name);
  const putComponent = (instance: string) =>
    db.db.execute(sql`insert into components (instance_id, key, content, hash, changed_by, changed_at)
      select id, 'Layout/A', 'a', 'h', 'U0ADMIN', now() from instances where name = ${instance}`);

  it('creates the pipeline the first time', async () => {
    const changes = await apply(threeStepConfig);
    expect(changes.added).toEqual([
      'environment Development',
      'instance dev-alice',
      'instance dev-bob',
      'environment Staging',
      'instance staging',
      'environment Production',
      'instance production',
    ]);
    const { environments, instances } = await tables();
    expect(environments.map((e) => [e.name, e.kind, e.position])).toEqual([
      ['Development', 'development', 0],
      ['Staging', 'staging', 1],
      ['Production', 'production', 2],
    ]);
    expect(instances.map((i) => [i.name, i.owner])).toEqual([
      ['dev-alice', 'U0ALICE'],
      ['dev-bob', null],
      ['staging', null],
      ['production', null],
    ]);
  });

  it('applying the same file twice changes nothing', async () => {
    await apply(threeStepConfig);
    // State the configuration does not own (a lock, a sync) must survive a restart too.
    await db.db.execute(sql`update environments set lock_reason = 'freeze', locked_by = 'U0DEPLOY', locked_at = now() where name = 'Staging'`);
    await db.db.execute(sql`update instances set parent_instance_id = (select id from instances where name = 'staging'), synced_at = now() where name = 'dev-alice'`);
    const before = await tables();
    const audited = await auditCount();
    expect(await apply(threeStepConfig)).toEqual({ added: [], updated: [], removed: [] });
    expect(await tables()).toEqual(before);
    expect(await auditCount()).toBe(audited);
  });

  it('adding an instance adds it and touches nothing else', async () => {
    await apply(threeStepConfig);
    const before = await tables();
    const changes = await apply(threeStepConfig.replace('instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob]', 'instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob, { name: dev-carol, owner: U0CAROL }]'));
    expect(changes).toEqual({ added: ['instance dev-carol'], updated: [], removed: [] });
    const after = await tables();
    expect(after.environments).toEqual(before.environments);
    expect(after.instances.slice(0, before.instances.length)).toEqual(before.instances);
    expect(after.instances.at(-1)).toMatchObject({ name: 'dev-carol', owner: 'U0CAROL', position: 2 });
    const [event] = await queryRows<{ action: string; details: unknown }>(db.db, sql`select action, details from audit_events order by id desc limit 1`);
    expect(event).toEqual({ action: 'config apply', details: { added: ['instance dev-carol'], updated: [], removed: [] } });
  });

  it('a changed policy updates its environment', async () => {
    await apply(threeStepConfig);
    const changes = await apply(threeStepConfig.replace('approvals: { required: 1, approvers: [U0BOB], userGroups: [S0QA] }', 'approvals: { required: 2, approvers: [U0BOB, U0CAROL] }'));
    expect(changes).toEqual({ added: [], updated: ['environment Staging'], removed: [] });
    const [staging] = await queryRows<{ approvals: unknown }>(db.db, sql`select approvals from environments where name = 'Staging'`);
    expect(staging!.approvals).toMatchObject({ required: 2, approvers: ['U0BOB', 'U0CAROL'], userGroups: [] });
  });

  it('removing an instance that holds components is refused and deletes nothing', async () => {
    await apply(threeStepConfig);
    await putComponent('dev-bob');
    const before = await tables();
    // dev-alice is unused and comes first: even its removal must be undone when dev-bob's is refused.
    const without = threeStepConfig.replace('instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob]', 'instances: [dev-carol]');
    let error: unknown;
    try {
      await apply(without);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('CONFIG_CONFLICT');
    expect((error as DomainError).message).toContain('Instance dev-bob is no longer in the configuration but holds components or history; it is not deleted');
    expect(await tables()).toEqual(before);
    expect(await queryRows(db.db, sql`select key from components`)).toHaveLength(1);
  });

  it('an unused instance that left the file is removed', async () => {
    await apply(threeStepConfig);
    const changes = await apply(threeStepConfig.replace('instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob]', 'instances: [{ name: dev-alice, owner: U0ALICE }]'));
    expect(changes).toEqual({ added: [], updated: [], removed: ['instance dev-bob'] });
    expect(await instanceNames()).toEqual(['dev-alice', 'staging', 'production']);
  });

  it('an instance holding components cannot move to another environment', async () => {
    await apply(threeStepConfig);
    await putComponent('dev-bob');
    const before = await tables();
    const moved = threeStepConfig
      .replace('instances: [{ name: dev-alice, owner: U0ALICE }, dev-bob]', 'instances: [{ name: dev-alice, owner: U0ALICE }]')
      .replace('instances: [staging]', 'instances: [staging, dev-bob]');
    await expect(apply(moved)).rejects.toMatchObject({ code: 'CONFIG_CONFLICT' });
    expect(await tables()).toEqual(before);
  });
});
