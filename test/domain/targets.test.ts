import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/secrets/box.ts';
import { recordCommand } from '../../src/targets/leftovers.ts';
import { commandActions } from '../../src/targets/runner.ts';
import { useCommandFolder } from '../helpers/commands.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, createWorld, DEPLOYER, as, type World } from '../helpers/world.ts';
import { createServices } from '../../src/domain/services/index.ts';
import { approvedForStaging, contents, deployAs, seedPipeline, stagingWith } from './support.ts';

// Targets and command checks (DESIGN.md section 10): real commands, run in the deployment after the package is
// applied and before it commits, with the package and the target's state in folders; a failure rolls the database
// back and puts back the targets that ran.

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
const { dir, script, file } = useCommandFolder('targets');

const MASTER_KEY = randomBytes(32).toString('hex');

async function worldWith(staging: string, environment: Record<string, string> = {}) {
  const sealer = new SecretBox(MASTER_KEY);
  const scratch = join(dir(), 'scratch');
  mkdirSync(scratch, { recursive: true });
  world = await createWorld(db, stagingWith(staging), { sealer, actions: commandActions({ cwd: dir(), scratch, ledger: join(dir(), 'ledger'), environment: { PATH: process.env.PATH, ...environment } }) });
  await seedPipeline(world, { 'Layout/Account': 'v1', 'Layout/Kept': 'kept', 'Layout/Gone': 'old' });
  await world.put('dev-alice', { 'Layout/Account': 'v2', 'Field/Tier': 'gold' });
  await world.services.components.remove(as(ADMIN), 'dev-alice', 'Layout/Gone');
  return (await approvedForStaging(world, 'tiers')).id;
}

/** The folders commands were given and have not been removed yet. */
const foldersLeft = () => readdirSync(join(dir(), 'scratch'));

const logOf = (runId: number) => world.sink.textsOf(runId);

describe('a deployment with targets', () => {
  it('runs each target with the package and the target’s state after it, its lines in the run’s log, a credential masked', async () => {
    script(
      'deploy.sh',
      `echo "$SANDBOX_ACTION $SANDBOX_ENVIRONMENT $SANDBOX_REQUEST $SANDBOX_RUN"
cat "$SANDBOX_PACKAGE_DIR/Layout/Account" > applied-account.txt
(cd "$SANDBOX_TARGET_DIR" && find . -type f | sort | while read f; do echo "$f: $(cat "$f")"; done) > target-state.txt
ls "$SANDBOX_PACKAGE_DIR" "$SANDBOX_PACKAGE_DIR/Layout" > package-files.txt
cp "$SANDBOX_PACKAGE_DIR/manifest.json" manifest.json
echo "using $API_TOKEN" >&2`,
    );
    const id = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, env: [API_TOKEN] }`, { API_TOKEN: 'tok-12345' });
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(true);
    expect(file('applied-account.txt')).toBe('v2');
    // The target after the package: its changes and additions, what it left alone, and not what it deleted.
    expect(file('target-state.txt')).toBe('./Field/Tier: gold\n./Layout/Account: v2\n./Layout/Kept: kept\n');
    expect(file('package-files.txt')).toMatch(/^.*:\nField\nLayout\nmanifest\.json\n\n.*:\nAccount\n$/);
    const manifest = JSON.parse(file('manifest.json'));
    expect(manifest).toMatchObject({ environment: 'Staging', request: `DR-${id}`, run: `RUN-${result.run.id}` });
    expect(manifest.items).toEqual([
      expect.objectContaining({ key: 'Field/Tier', action: 'add', dependsOn: [] }),
      expect.objectContaining({ key: 'Layout/Account', action: 'modify' }),
      expect.objectContaining({ key: 'Layout/Gone', action: 'delete', hash: null }),
    ]);
    const log = logOf(result.run.id);
    expect(log).toContain('Target api: ./deploy.sh');
    expect(log).toContain(`[api] deploy Staging DR-${id} RUN-${result.run.id}`);
    expect(log).toContain('[api] using ••••');
    expect(log.join('\n')).not.toContain('tok-12345');
    expect(log.some((l) => /^Target api succeeded after \d/.test(l))).toBe(true);
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v2', 'Field/Tier': 'gold' });
  });

  it('fails when a target fails: nothing is committed, and the targets that ran are put back with the state before the package', async () => {
    script('first.sh', 'echo deployed > first.txt');
    script('first-revert.sh', 'echo "$SANDBOX_ACTION" > first.txt; cat "$SANDBOX_TARGET_DIR/Layout/Account" >> first.txt');
    script('second.sh', 'echo "cannot reach the CRM" >&2; exit 3');
    const id = await worldWith(`    targets:\n      - { name: first, command: ./first.sh, revert: ./first-revert.sh }\n      - { name: second, command: ./second.sh }`);
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(false);
    expect(result.reason).toMatch(/^target second failed: exited with 3 after \d/);
    expect(result.request.state).toBe('failed');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
    expect(await contents(world, 'staging')).not.toHaveProperty('Field/Tier');
    expect(file('first.txt')).toBe('revert\nv1');
    const log = logOf(result.run.id);
    expect(log).toContain('[second] cannot reach the CRM');
    expect(log).toContain('Putting target first back: ./first-revert.sh');
    expect(log.some((l) => l.startsWith('Target first is back as it was'))).toBe(true);
    expect(log).toContain('Target second has no revert: check it by hand, it may hold part of the package.');
  });

  it('runs command checks after the targets: a failing one fails the deployment and puts the targets back', async () => {
    script('deploy.sh', 'echo deployed > target.txt');
    script('revert.sh', 'echo reverted > target.txt');
    script('check.sh', 'grep -q gold "$SANDBOX_TARGET_DIR/Field/Tier" && echo "tier present"; echo "kept: $(cat "$SANDBOX_TARGET_DIR/Layout/Kept")"; if test -e "$SANDBOX_TARGET_DIR/Layout/Gone"; then echo "gone is there"; fi');
    script('strict.sh', 'echo "$SANDBOX_ACTION: Layout/Kept must not be kept"; exit 1');
    const passing = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, revert: ./revert.sh }\n    checks:\n      - { name: tier, command: ./check.sh }`);
    const ok = await deployAs(world, passing);
    expect(ok.succeeded).toBe(true);
    expect(logOf(ok.run.id)).toContain('[tier] tier present');
    // What the package left alone is there as it was, and what it deleted is not (read with the state it puts back).
    expect(logOf(ok.run.id)).toContain('[tier] kept: kept');
    expect(logOf(ok.run.id)).not.toContain('[tier] gone is there');
    const failing = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, revert: ./revert.sh }\n    checks:\n      - { name: strict, command: ./strict.sh }`);
    const failed = await deployAs(world, failing);
    expect(failed.reason).toMatch(/^post-deploy check "strict" failed: exited with 1/);
    expect(logOf(failed.run.id)).toContain('[strict] check: Layout/Kept must not be kept');
    expect(file('target.txt')).toBe('reverted\n');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
  });

  it('leaves no folder behind: the one a command got is removed after it, and the one written ahead of a deployment that failed before any command ran', async () => {
    script('deploy.sh', 'echo "$SANDBOX_TARGET_DIR" > given.txt');
    const id = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh }`);
    expect((await deployAs(world, id)).succeeded).toBe(true);
    expect(file('given.txt').startsWith(join(dir(), 'scratch'))).toBe(true);
    await expect.poll(foldersLeft).toEqual([]);
    // The target drifted after the request was approved: the deployment fails at its checks, after its folders were begun.
    const drifted = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh }`);
    await world.put('staging', { 'Layout/Account': 'hotfix in staging' });
    rmSync(join(dir(), 'given.txt'));
    const failed = await deployAs(world, drifted);
    expect(failed.reason).toBe('1 conflict with the target (sync and send again)');
    expect(existsSync(join(dir(), 'given.txt'))).toBe(false);
    await expect.poll(foldersLeft).toEqual([]);
  });

  it('stops a target that runs past its timeout, and refuses one whose credential is not set, saying what to do', async () => {
    script('slow.sh', 'echo starting; sleep 30');
    const slow = await worldWith(`    targets:\n      - { name: slow, command: ./slow.sh, timeout: 1s }`);
    expect((await deployAs(world, slow)).reason).toBe('target slow failed: it ran longer than its timeout (1s) and was stopped');
    const missing = await worldWith(`    targets:\n      - { name: api, command: ./slow.sh, env: [API_TOKEN] }`);
    expect((await deployAs(world, missing)).reason).toBe("target api failed: it needs API_TOKEN, which is neither a stored secret of Staging nor set in the bot's environment: store it with `sandbox secrets set Staging API_TOKEN`, or set it where the bot runs");
  });

  it('gives a command the stored secret of its environment over the bot’s variable of that name, masked; one that does not open fails the deployment', async () => {
    script('deploy.sh', 'echo "token $API_TOKEN"');
    const id = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, env: [API_TOKEN] }`, { API_TOKEN: 'from-the-environment' });
    await world.services.secrets.set(as(ADMIN), 'Staging', 'API_TOKEN', 'stored-secret-value');
    const result = await deployAs(world, id);
    expect(result.succeeded).toBe(true);
    const log = logOf(result.run.id);
    expect(log).toContain('[api] token ••••');
    expect(log.join('\n')).not.toMatch(/stored-secret-value|from-the-environment/);
    // The same database under another master key: the stored secret does not open, and the deployment says why.
    const again = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, env: [API_TOKEN] }`);
    await world.services.secrets.set(as(ADMIN), 'Staging', 'API_TOKEN', 'sealed-under-the-first-key');
    const otherKey = createServices({ ...world.services.deps, sealer: new SecretBox(randomBytes(32).toString('hex')) });
    const failed = await otherKey.deploy(as(DEPLOYER), again);
    expect(failed.succeeded).toBe(false);
    expect(failed.reason).toMatch(/^A secret was sealed with key [0-9a-f]{12}, which SANDBOX_MASTER_KEY does not hold: add that key after the current one, or set the secret again\.$/);
  });

  it('is refused by its checks before its secrets are opened: the reason to act on first is the one given', async () => {
    script('deploy.sh', 'true');
    const id = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh, env: [API_TOKEN] }`);
    await world.services.secrets.set(as(ADMIN), 'Staging', 'API_TOKEN', 'sealed-under-the-first-key');
    await world.put('staging', { 'Layout/Account': 'hotfix in staging' });
    const otherKey = createServices({ ...world.services.deps, sealer: new SecretBox(randomBytes(32).toString('hex')) });
    expect((await otherKey.deploy(as(DEPLOYER), id)).reason).toBe('1 conflict with the target (sync and send again)');
  });

  it('are tested without deploying: each target and command check runs with SANDBOX_ACTION=test, and each result says how it went and how long it took', async () => {
    script('deploy.sh', 'echo "reaching the CRM as $SANDBOX_ACTION"; test "$SANDBOX_ACTION" = test');
    script('check.sh', 'echo "schema server down" >&2; exit 2');
    await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh }\n      - { name: cmdb, command: ./deploy.sh, env: [CMDB_TOKEN] }\n    checks:\n      - { name: no debug, forbid: debug }\n      - { name: schema, command: ./check.sh }`);
    const tested = await world.services.testConnections('Staging');
    expect(tested.checks.map((c) => [c.subject, c.check, c.ok])).toEqual([
      ['api', './deploy.sh (test)', true],
      ['cmdb', './deploy.sh (test)', false],
      ['schema', './check.sh (test)', false],
    ]);
    expect(tested.checks[0]!.detail).toMatch(/^succeeded after \d+ ms: reaching the CRM as test$/);
    expect(tested.checks[1]!.detail).toContain('it needs CMDB_TOKEN, which is neither a stored secret of Staging nor set in the bot');
    expect(tested.checks[2]!.detail).toMatch(/^exited with 2 after \d+ ms: schema server down$/);
    expect(tested.checks.every((c) => c.ms >= 0)).toBe(true);
    // Nothing was deployed.
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
  });

  it('whose bot died: the run is interrupted, its targets’ state said to be unknown, and a command it left running is ended', async () => {
    const id = await worldWith(`    targets:\n      - { name: api, command: ./deploy.sh }\n      - { name: cmdb, command: ./deploy.sh }`);
    const store = world.services.deps.store;
    // What a bot killed while its target ran leaves: the request claimed, its run started, its command still running.
    await store.requests.transition(id, ['approved'], 'deploying', {});
    const staging = (await store.environments.byName('Staging'))!;
    const run = await store.runs.create({ kind: 'deploy', user: DEPLOYER, message: 'cut off', requestId: id, instanceId: null, environmentId: staging.id, startedAt: world.clock.now() });
    const shell = spawn('/bin/sh', ['-c', 'sleep 300'], { detached: true, stdio: 'ignore' });
    await new Promise((resolve) => shell.once('spawn', resolve));
    recordCommand(join(dir(), 'ledger'), `RUN-${run.id}`, shell.pid!);
    const ledgerFile = join(dir(), 'ledger', `${shell.pid}.json`);
    writeFileSync(ledgerFile, JSON.stringify({ ...JSON.parse(readFileSync(ledgerFile, 'utf8')), bot: spawnSync('/bin/true').pid }));
    const exited = new Promise((resolve) => shell.once('exit', resolve));

    expect((await world.services.recoverInterruptedRuns()).map((r) => r.id)).toEqual([run.id]);
    await exited;
    const [logged] = await world.services.logs(`RUN-${run.id}`);
    expect(logged!.lines.map((l) => l.text)).toEqual([
      `A command of this run (process group ${shell.pid}) was still running on this machine after the bot stopped: it was ended, with everything it started.`,
      'Interrupted: the process running this stopped before it finished. Nothing was changed; it can be run again.',
      'The state of its targets (api, cmdb) is unknown: they may have done part of their work before it stopped. Check them by hand before deploying again.',
    ]);
    expect((await world.services.requestOverview(id)).request).toMatchObject({ state: 'failed', reason: 'interrupted' });
  });
});
