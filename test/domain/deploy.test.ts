import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/load.ts';
import { applyPipelineConfig } from '../../src/db/apply-config.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, DEPLOYER, QA_MEMBER, as, createWorld, threeStepConfig, type World } from '../helpers/world.ts';
import { approvedChangeRequest, approvedForProduction, approvedForStaging, componentRows, contents, counts, deployAs, projectOf, refused, seedPipeline, plain } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

const HOUR = 3_600_000;

describe('deploy: who and when', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
  });

  it("only the environment's deployers and admins deploy", async () => {
    const request = await approvedForStaging(world);
    for (const user of [BOB, ALICE, QA_MEMBER]) {
      const error = await refused(deployAs(world, request.id, user), 'NOT_PERMITTED');
      expect(error.message).toContain('only its deployers (@U0DEPLOY) or an admin can');
    }
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('approved');
    expect(await contents(world, 'staging')).toEqual({ 'Layout/Account': 'v1' });
    const deployed = await deployAs(world, request.id, ADMIN);
    expect(deployed.succeeded).toBe(true);
    expect(deployed.request).toMatchObject({ state: 'deployed', deployedBy: ADMIN });
  });

  it('only approved requests are deployed', async () => {
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'not yet approved' });
    const error = await refused(deployAs(world, sent.request.id), 'NOT_APPROVED');
    expect(error.message).toContain('still waiting for approval in Staging (1 needed)');
    expect((await world.services.report(`DR-${sent.request.id}`)).request.state).toBe('pending_approval');
    expect(await contents(world, 'staging')).toEqual({ 'Layout/Account': 'v1' });
    expect(await counts(db)).toMatchObject({ snapshots: 0 });
  });

  it('a deployed request is not deployed twice', async () => {
    const request = await approvedForStaging(world);
    expect((await deployAs(world, request.id)).succeeded).toBe(true);
    const error = await refused(deployAs(world, request.id), 'INVALID_STATE');
    expect(error.message).toContain('already deployed');
    const validate = await refused(world.services.validate(as(DEPLOYER), request.id), 'INVALID_STATE');
    expect(validate.message).toContain('only requests waiting in a queue can be validated');
    expect((await world.services.logs(`DR-${request.id}`)).map((r) => r.kind)).toEqual(['deploy']);
  });

  it('an unknown request is refused with a hint', async () => {
    const error = await refused(deployAs(world, 404), 'NOT_FOUND');
    expect(error.message).toContain('DR-404');
    expect(error.message).toContain('`sandbox queue`');
  });

  it('writes the package, records the run and its log, and the audit', async () => {
    const request = await approvedForStaging(world, 'new account layout');
    world.clock.advance(HOUR);
    const result = await deployAs(world, request.id);
    expect(result).toMatchObject({ succeeded: true, reason: null });
    expect(result.request).toMatchObject({ state: 'deployed', deployedBy: DEPLOYER, deployRunId: result.run.id });
    const [row] = await componentRows(db, 'staging');
    expect(row).toMatchObject({ key: 'Layout/Account', content: 'v2', changed_by: DEPLOYER });
    expect(new Date(row!.changed_at as string).toISOString()).toBe(world.clock.now().toISOString());

    const [run] = await world.services.logs(`DR-${request.id}`);
    expect(run).toMatchObject({ kind: 'deploy', status: 'succeeded', user: DEPLOYER, message: 'new account layout' });
    const texts = run!.lines.map((l) => l.text);
    expect(texts).toEqual(world.sink.textsOf(run!.id));
    expect(texts).toContain('Dependencies: all present');
    expect(texts).toContain('Validation: every item applies cleanly');
    expect(texts).toContain('Compare: the target holds every item of the package');
    expect(texts.at(-1)).toContain('Deployment succeeded');
    expect((await world.services.audit({ subject: `DR-${request.id}` })).map((e) => [e.action, e.outcome]).at(-1)).toEqual(['deploy', 'deployed']);
    expect((await world.services.compare('dev-alice', 'staging')).differences).toEqual([]);
  });
});

describe('validate and check dependencies', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('validate is a dry run: it reports, changes nothing and leaves the request where it was', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Workflow/W': { content: 'w', dependsOn: ['Layout/Missing'] } }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'm' });
    await world.put('staging', { 'Layout/Account': 'changed in staging' });
    const before = await componentRows(db, 'staging');

    const result = await world.services.validate(as(BOB), sent.request.id);
    expect(result.ok).toBe(false);
    expect(result.missingDependencies).toEqual([{ key: 'Workflow/W', missing: 'Layout/Missing' }]);
    expect(result.drifted.map((d) => d.key)).toEqual(['Layout/Account']);
    expect(result.run).toMatchObject({ kind: 'validate', status: 'failed' });
    expect(result.run.summary).toContain('1 missing dependency');
    expect(result.run.summary).toContain('1 conflict');
    const lines = (await world.services.logs(`RUN-${result.run.id}`))[0]!.lines.map((l) => l.text);
    expect(lines).toContain('Missing dependency: Workflow/W depends on Layout/Missing, which the target will not have');
    expect(lines.some((l) => l.startsWith('Conflict: Layout/Account'))).toBe(true);

    expect(await componentRows(db, 'staging')).toEqual(before);
    expect((await world.services.report(`DR-${sent.request.id}`)).request.state).toBe('pending_approval');
    expect(await counts(db)).toMatchObject({ snapshots: 0 });
  });

  it('validate passes for a clean package without applying it', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const request = await approvedForStaging(world);
    const result = await world.services.validate(as(DEPLOYER), request.id);
    expect(result).toMatchObject({ ok: true, missingDependencies: [], drifted: [] });
    expect(result.run.status).toBe('succeeded');
    expect(await contents(world, 'staging')).toEqual({ 'Layout/Account': 'v1' });
    expect((await world.services.report(`DR-${request.id}`)).request.state).toBe('approved');
  });

  it('deploy refuses a missing dependency: the request fails, the target is unchanged; after the fix it deploys', async () => {
    await world.put('dev-alice', { 'Workflow/W': { content: 'w', dependsOn: ['Layout/Missing'] }, 'Layout/Account': 'v2' }, ALICE);
    const request = await approvedForStaging(world);
    const before = await componentRows(db, 'staging');
    world.clock.advance(HOUR);

    const failed = await deployAs(world, request.id);
    expect(failed.succeeded).toBe(false);
    expect(failed.reason).toBe('1 missing dependency');
    expect(failed.request).toMatchObject({ state: 'failed', reason: '1 missing dependency' });
    expect(await componentRows(db, 'staging')).toEqual(before);
    const lines = (await world.services.logs(`RUN-${failed.run.id}`))[0]!.lines.map((l) => l.text);
    expect(lines.at(-1)).toBe('Deployment failed: 1 missing dependency. staging is unchanged.');
    // A failed request stays in the queue and keeps the sender's project Sent.
    expect((await world.services.queue('Staging'))[0]!.requests.map((r) => [r.id, r.state])).toEqual([[request.id, 'failed']]);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Sent');

    // The cause is fixed in the target: validate passes and the same request deploys.
    await world.put('staging', { 'Layout/Missing': 'now here' });
    expect((await world.services.validate(as(DEPLOYER), request.id)).ok).toBe(true);
    const retried = await deployAs(world, request.id);
    expect(retried.succeeded).toBe(true);
    expect(retried.request).toMatchObject({ state: 'deployed', reason: null });
    expect(await contents(world, 'staging')).toMatchObject({ 'Workflow/W': 'w', 'Layout/Account': 'v2' });
    expect((await world.services.logs(`DR-${request.id}`)).map((r) => [r.kind, r.status])).toEqual([
      ['deploy', 'failed'],
      ['validate', 'succeeded'],
      ['deploy', 'succeeded'],
    ]);
  });

  it('deploy refuses a deletion that another component still depends on', async () => {
    await world.put('production', { 'Workflow/Uses': { content: 'u', dependsOn: ['Layout/Account'] } });
    await world.services.sync(as(ALICE), 'staging');
    await world.services.sync(as(ALICE), 'dev-alice');
    // Deleting Layout/Account alone would break Workflow/Uses, which stays in the target.
    await world.services.components.remove(as(ALICE), 'dev-alice', 'Layout/Account');
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'drop the layout' });
    expect(sent.warnings.map(plain)).toEqual(['Workflow/Uses depends on Layout/Account, which staging will not have: deploying will be refused until it does.']);
    await world.services.reject(as(ALICE), sent.request.id, 'resend below');
    const request = await approvedForStaging(world);
    const failed = await deployAs(world, request.id);
    expect(failed.succeeded).toBe(false);
    expect(failed.reason).toContain('missing dependency');
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v1' });
  });

  it('deploy refuses when the target drifted (conflict) and leaves it unchanged', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const request = await approvedForStaging(world);
    await world.put('staging', { 'Layout/Account': 'hotfix in staging' });
    const before = await componentRows(db, 'staging');
    const failed = await deployAs(world, request.id);
    expect(failed.succeeded).toBe(false);
    expect(failed.reason).toBe('1 conflict with the target (sync and send again)');
    expect(failed.request.state).toBe('failed');
    expect(await componentRows(db, 'staging')).toEqual(before);
    const lines = (await world.services.logs(`RUN-${failed.run.id}`))[0]!.lines;
    expect(lines.some((l) => l.level === 'error' && l.text.includes('Conflict: Layout/Account changed in the target'))).toBe(true);
    const audit = (await world.services.audit({ subject: `DR-${request.id}` })).at(-1)!;
    expect(audit).toMatchObject({ action: 'deploy', outcome: 'failed', details: { reason: failed.reason } });

    // As the failure says: sync (the conflict keeps Alice's version) and send again; the new request replaces the failed one.
    const synced = await world.services.sync(as(ALICE), 'dev-alice');
    expect(synced.conflicts).toEqual(['Layout/Account']);
    const resent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'after sync' });
    expect(resent.warnings.map(plain)).toContain(`DR-${request.id}, whose deployment failed, is replaced by this request, which carries all of dev-alice's changes.`);
    expect((await world.services.report(`DR-${request.id}`)).request).toMatchObject({ state: 'rejected', reason: 'superseded: a newer send from the same instance replaces it' });
    await world.services.approve(as(BOB), resent.request.id);
    expect((await deployAs(world, resent.request.id)).succeeded).toBe(true);
    expect(await contents(world, 'staging')).toMatchObject({ 'Layout/Account': 'v2' });
  });
});

describe('all-or-nothing apply with post-deploy checks', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Workflow/Old': 'old', 'Layout/Keep': 'keep' });
  });

  it('a failing check leaves production byte-for-byte as it was and marks the request failed with the reason logged', async () => {
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2 debug=true', 'Layout/New': 'brand new' });
    await world.services.components.remove(as(ADMIN), 'staging', 'Workflow/Old');
    const request = await approvedForProduction(world, cr);
    const before = await componentRows(db, 'production');
    const countsBefore = await counts(db);
    world.clock.advance(24 * HOUR);

    // Validate foresees it without touching production.
    const validated = await world.services.validate(as(DEPLOYER), request.id);
    expect(validated).toMatchObject({ ok: false, failedChecks: ['no debug flags'] });
    expect(validated.run.summary).toBe('Validation failed: check "no debug flags" would fail');
    expect(world.sink.textsOf(validated.run.id)).toContain('Check "no debug flags" would fail on Layout/Account');
    expect(await componentRows(db, 'production')).toEqual(before);

    const result = await deployAs(world, request.id);
    expect(result.succeeded).toBe(false);
    expect(result.reason).toBe('post-deploy check "no debug flags" failed on 1 component');
    expect(result.request).toMatchObject({ state: 'failed', reason: result.reason, deployedBy: null, deployedAt: null });
    expect(result.run.status).toBe('failed');

    // Every column of every row, including who changed it and when: exactly as before.
    expect(await componentRows(db, 'production')).toEqual(before);
    expect(await counts(db)).toEqual(countsBefore);

    // The log tells why, both live and stored, in the same order.
    const stored = (await world.services.logs(`RUN-${result.run.id}`))[0]!.lines.map((l) => l.text);
    expect(stored).toEqual(world.sink.textsOf(result.run.id));
    expect(stored).toContain('Applied 3 changes to production');
    expect(stored).toContain('Check "no debug flags" failed on Layout/Account');
    expect(stored.at(-1)).toBe(`Deployment failed: ${result.reason}. production is unchanged.`);

    // Nothing that depends on success happened: the CR is approved again (not deployed), staging is not Idle, nothing to revert.
    expect((await world.services.changeRequests.show(cr.id)).changeRequest.state).toBe('approved');
    expect((await projectOf(world, 'staging')).project).toBe('Sent');
    await refused(world.services.revert(as(ADMIN)), 'NOTHING_TO_REVERT');
  });

  it('once the cause is fixed, the failed request deploys', async () => {
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2 debug=true' });
    const request = await approvedForProduction(world, cr);
    expect((await deployAs(world, request.id)).succeeded).toBe(false);

    // The team decides the check was wrong for this component and removes it from the configuration.
    const relaxed = threeStepConfig.replace(/\n\s+checks:\n\s+- \{ name: no debug flags, forbid: "debug=true" \}\n/, '\n');
    expect(relaxed).not.toContain('checks');
    await applyPipelineConfig(db.db, parsePipelineConfig(relaxed, 'relaxed'), world.clock.now());
    const retried = await deployAs(world, request.id);
    expect(retried.succeeded).toBe(true);
    expect(await contents(world, 'production')).toMatchObject({ 'Layout/Account': 'v2 debug=true' });
  });
});

describe('after deployment: Ready and Idle', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1' });
  });

  it('development becomes Ready: its changes leave the project, nothing is left to send', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Layout/New': 'n' }, ALICE);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Active');
    const request = await approvedForStaging(world);
    expect((await projectOf(world, 'dev-alice')).project).toBe('Sent');
    expect((await deployAs(world, request.id)).succeeded).toBe(true);

    expect(await projectOf(world, 'dev-alice')).toMatchObject({ project: 'Ready', changes: { added: 0, modified: 0, deleted: 0 } });
    expect((await world.services.sendPreview('dev-alice')).changes).toEqual([]);
    expect((await world.services.sendPreview('dev-alice')).drifted).toBe(false);
    await refused(world.services.send(as(ALICE), { instance: 'dev-alice', message: 'again' }), 'NOTHING_TO_SEND');
    expect((await world.services.compare('dev-alice', 'staging')).differences).toEqual([]);
  });

  it('staging becomes Idle: the change set stays, the same send is refused, the next sync absorbs it', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const request = await approvedForProduction(world, cr);
    expect((await deployAs(world, request.id)).succeeded).toBe(true);
    expect(await contents(world, 'production')).toEqual({ 'Layout/Account': 'v2' });

    expect(await projectOf(world, 'staging')).toMatchObject({ project: 'Idle', changes: { added: 0, modified: 1, deleted: 0 } });
    const again = await refused(s.send(as(ALICE), { instance: 'staging', message: 'again', changeRequestId: cr.id }), 'NOTHING_TO_SEND');
    expect(again.message).toContain('already deployed from staging');
    expect(again.message).toContain('disabled until new changes are available');
    await refused(s.send(as(ALICE), { instance: 'staging', message: 'again', changeRequestId: cr.id, confirmDrift: true }), 'NOTHING_TO_SEND');

    const synced = await s.sync(as(ALICE), 'staging');
    expect(synced.conflicts).toEqual([]);
    expect(await projectOf(world, 'staging')).toMatchObject({ project: 'Ready', changes: { added: 0, modified: 0, deleted: 0 } });
    await world.put('staging', { 'Layout/Next': 'n' });
    expect((await projectOf(world, 'staging')).project).toBe('Active');
    const next = await s.send(as(ALICE), { instance: 'staging', message: 'next', changeRequestId: cr.id });
    expect(next.summary).toEqual({ added: 1, modified: 0, deleted: 0 });
  });

  it('staging that changes something new after Idle can send again', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const request = await approvedForProduction(world, cr);
    await deployAs(world, request.id);
    await world.put('staging', { 'Layout/Another': 'a' });
    expect((await projectOf(world, 'staging')).project).toBe('Active');
    // Production changed only by staging's own deployment: that is no drift to confirm.
    const sent = await s.send(as(ALICE), { instance: 'staging', message: 'more', changeRequestId: cr.id });
    expect(sent.request.state).toBe('pending_approval');
    expect(sent.warnings.map(plain).filter((w) => w.includes('changed since'))).toEqual([]);
    expect(sent.summary).toEqual({ added: 1, modified: 1, deleted: 0 });
  });
});
