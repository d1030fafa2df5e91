import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandActions } from '../../src/targets/runner.ts';
import { useCommandFolder } from '../helpers/commands.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ALICE, createWorld, DEPLOYER, QA_MEMBER, as, type World } from '../helpers/world.ts';
import { contents, deployAs, refused } from './support.ts';

// Hooks (DESIGN.md section 10): commands an environment runs before and after its syncs, deployments and reverts.
// A failing before-hook refuses the action with what it printed and leaves everything as it was; a failing
// after-hook is logged in the run and changes nothing.

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
const { dir, script } = useCommandFolder('hooks');

const config = (development: string, staging: string, production = '') => `
admins: [U0ADMIN]
environments:
  - name: Development
    kind: development
    instances: [{ name: dev-alice, owner: U0ALICE }]
${development}
  - name: Staging
    kind: staging
    instances: [staging]
    approvals: { required: 1, userGroups: [S0QA] }
    deployers: [U0DEPLOY]
${staging}
  - name: Production
    kind: production
    instances: [production]
    deployers: [U0DEPLOY]
${production}
`;

async function worldWith(development: string, staging: string, production = '') {
  world = await createWorld(db, config(development, staging, production), { actions: commandActions({ cwd: dir(), environment: { PATH: process.env.PATH } }) });
  await world.put('production', { 'Layout/Account': 'v1' });
  await world.services.sync(as(ALICE), 'staging');
}

async function approvedRequest() {
  await world.services.sync(as(ALICE), 'dev-alice');
  await world.put('dev-alice', { 'Layout/Account': 'v2' });
  const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'v2' });
  await world.services.approve(as(QA_MEMBER), sent.request.id);
  return sent.request.id;
}

describe('hooks', () => {
  it('run before and after a deployment with its request and package; a refusing one leaves the request approved', async () => {
    script('preflight.sh', 'test -f go || { echo "the CRM is in maintenance"; exit 1; }; echo "$SANDBOX_ACTION $SANDBOX_REQUEST" >> hooks.txt');
    script('announce.sh', 'echo "$SANDBOX_ACTION $SANDBOX_REQUEST $SANDBOX_RUN $(cat "$SANDBOX_TARGET_DIR/Layout/Account")" >> hooks.txt; echo announced');
    await worldWith('', `    hooks:\n      beforeDeploy: [{ command: ./preflight.sh }]\n      afterDeploy: [{ command: ./announce.sh }]`);
    const id = await approvedRequest();
    const error = await refused(deployAs(world, id), 'HOOK_REFUSED');
    expect(error.message).toMatch(/^The beforeDeploy hook of Staging refused it: \.\/preflight\.sh exited with 1 after \d+ ms, saying: the CRM is in maintenance\. Nothing was done; try again once what it checks is fixed\.$/);
    expect((await world.services.requestOverview(id)).request.state).toBe('approved');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
    writeFileSync(join(dir(), 'go'), '');
    const deployed = await deployAs(world, id);
    expect(deployed.succeeded).toBe(true);
    expect(readFileSync(join(dir(), 'hooks.txt'), 'utf8')).toBe(`beforeDeploy DR-${id}\nafterDeploy DR-${id} RUN-${deployed.run.id} v2\n`);
    expect(world.sink.textsOf(deployed.run.id)).toContain('[afterDeploy] announced');
  });

  it('log a failing after-hook in the run and change nothing: the deployment stays done', async () => {
    script('announce.sh', 'echo "status page unreachable" >&2; exit 7');
    await worldWith('', `    hooks:\n      afterDeploy: [{ command: ./announce.sh }]`);
    const deployed = await deployAs(world, await approvedRequest());
    expect(deployed.succeeded).toBe(true);
    const log = world.sink.textsOf(deployed.run.id);
    expect(log).toContain('[afterDeploy] status page unreachable');
    expect(log.some((l) => /^Hook afterDeploy failed: \.\/announce\.sh exited with 7 after .*\. What was done stays done\.$/.test(l))).toBe(true);
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v2' });
  });

  it('run around a sync of an instance of their environment: a refusing beforeSync syncs nothing', async () => {
    script('before-sync.sh', 'test -f open || { echo "sandbox refresh window closed"; exit 1; }');
    script('after-sync.sh', 'ls "$SANDBOX_TARGET_DIR/Layout" > synced.txt');
    await worldWith(`    hooks:\n      beforeSync: [{ command: ./before-sync.sh }]\n      afterSync: [{ command: ./after-sync.sh }]`, '');
    const error = await refused(world.services.sync(as(ALICE), 'dev-alice'), 'HOOK_REFUSED');
    expect(error.message).toContain('The beforeSync hook of Development refused it: ./before-sync.sh exited with 1');
    expect(error.message).toContain('saying: sandbox refresh window closed');
    expect(await contents(world, 'dev-alice')).toEqual({});
    writeFileSync(join(dir(), 'open'), '');
    await world.services.sync(as(ALICE), 'dev-alice');
    expect(readFileSync(join(dir(), 'synced.txt'), 'utf8')).toBe('Account\n');
  });

  it('run around a revert: a refusing beforeRevert reverts nothing', async () => {
    script('before-revert.sh', 'test -f allowed || { echo "revert needs the on-call"; exit 1; }');
    script('after-revert.sh', 'cat "$SANDBOX_TARGET_DIR/Layout/Account" > reverted.txt');
    await worldWith('', '', `    hooks:\n      beforeRevert: [{ command: ./before-revert.sh }]\n      afterRevert: [{ command: ./after-revert.sh }]`);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const sent = await world.services.send(as(ALICE), { instance: 'staging', message: 'v2 to production' });
    expect((await deployAs(world, sent.request.id)).succeeded).toBe(true);
    const error = await refused(world.services.revert(as(DEPLOYER)), 'HOOK_REFUSED');
    expect(error.message).toContain('The beforeRevert hook of Production refused it');
    expect(error.message).toContain('saying: revert needs the on-call');
    expect(await contents(world, 'production')).toMatchObject({ 'Layout/Account': 'v2' });
    writeFileSync(join(dir(), 'allowed'), '');
    await world.services.revert(as(DEPLOYER));
    expect(readFileSync(join(dir(), 'reverted.txt'), 'utf8')).toBe('v1');
    expect(existsSync(join(dir(), 'hooks.txt'))).toBe(false);
  });

  it('are tested by Test Connection with SANDBOX_ACTION=test, each by its point', async () => {
    script('preflight.sh', 'echo "$SANDBOX_ACTION ok"');
    await worldWith('', `    hooks:\n      beforeDeploy: [{ command: ./preflight.sh }]\n      afterDeploy: [{ command: ./missing.sh }]`);
    const tested = await world.services.testConnections('Staging');
    expect(tested.checks.map((c) => [c.subject, c.check, c.ok])).toEqual([
      ['beforeDeploy', './preflight.sh (test)', true],
      ['afterDeploy', './missing.sh (test)', false],
    ]);
    expect(tested.checks[0]!.detail).toMatch(/: test ok$/);
    expect(tested.checks[1]!.detail).toMatch(/^exited with 127 after \d+ ms: .*missing\.sh.*not found/);
  });
});
