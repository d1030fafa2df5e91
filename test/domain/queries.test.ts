import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, createWorld, type World } from '../helpers/world.ts';
import { approvedChangeRequest, approvedForProduction, approvedForStaging, contents, deployAs, refused, seedPipeline } from './support.ts';

let db: TestDatabase;
let world: World;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());

describe('queries', () => {
  beforeEach(async () => {
    world = await createWorld(db);
    await seedPipeline(world, { 'Layout/Account': 'v1', 'Layout/Gone': 'g' });
  });

  it('status shows the pipeline, each instance with its parent and project state, and each queue', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Layout/New': 'n' }, ALICE);
    let status = await s.status();
    expect(status.map((e) => e.environment.name)).toEqual(['Development', 'Staging', 'Production']);
    expect(status[0]!.instances.map((i) => [i.instance.name, i.parent, i.project])).toEqual([
      ['dev-alice', 'staging', 'Active'],
      ['dev-bob', null, 'Ready'],
    ]);
    expect(status[0]!.instances[0]!.changes).toEqual({ added: 1, modified: 1, deleted: 0 });
    expect(status.flatMap((e) => e.instances.map((i) => [i.instance.name, i.components]))).toEqual([
      ['dev-alice', 3],
      ['dev-bob', 0],
      ['staging', 2],
      ['production', 2],
    ]);
    expect(status[1]!.instances.map((i) => [i.instance.name, i.parent, i.project])).toEqual([['staging', 'production', 'Ready']]);
    expect(status[2]!.instances.map((i) => [i.instance.name, i.project])).toEqual([['production', null]]);

    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'm' });
    status = await s.status();
    expect(status[0]!.instances[0]!.project).toBe('Sent');
    expect(status[1]!.queue.map((r) => r.id)).toEqual([sent.request.id]);
    expect(status[2]!.queue).toEqual([]);
  });

  it('queue lists waiting requests and not finished ones', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const approved = await approvedForStaging(world, 'approved one');
    await world.put('dev-alice', { 'Layout/Other': 'o' }, ALICE);
    const pending = (await s.send(as(ALICE), { instance: 'dev-alice', message: 'pending one', confirmDrift: true })).request;
    await s.sync(as(BOB), 'dev-bob');
    await world.put('dev-bob', { 'Layout/Bob': 'b' });
    const rejected = (await s.send(as(BOB), { instance: 'dev-bob', message: 'rejected one' })).request;
    await s.reject(as(QA_MEMBER), rejected.id, 'no');

    const [staging] = await s.queue('Staging');
    expect(staging!.environment.name).toBe('Staging');
    expect(staging!.requests.map((r) => [r.id, r.state])).toEqual([
      [approved.id, 'approved'],
      [pending.id, 'pending_approval'],
    ]);
    await deployAs(world, approved.id);
    expect((await s.queue('Staging'))[0]!.requests.map((r) => r.id)).toEqual([pending.id]);
    // Without an environment: every queue but development's.
    expect((await s.queue()).map((q) => q.environment.name)).toEqual(['Staging', 'Production']);
    await refused(s.queue('Nowhere'), 'NOT_FOUND');
  });

  it('compare lists components added, removed and changed between any two instances, as a send of the first to the second would', async () => {
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Layout/New': 'n' }, ALICE);
    await world.services.components.remove(as(ALICE), 'dev-alice', 'Layout/Gone');
    const { from, to, differences } = await world.services.compare('dev-alice', 'production');
    expect([from.name, to.name]).toEqual(['dev-alice', 'production']);
    expect(differences).toEqual([
      { key: 'Layout/Account', change: 'changed' },
      { key: 'Layout/Gone', change: 'removed' },
      { key: 'Layout/New', change: 'added' },
    ]);
    // The other way round, what one side adds the other removes.
    expect((await world.services.compare('production', 'dev-alice')).differences.map((d) => d.change)).toEqual(['changed', 'added', 'removed']);
    expect((await world.services.compare('production', 'staging')).differences).toEqual([]);
    await refused(world.services.compare('production', 'nowhere'), 'NOT_FOUND');
  });

  it('logs answer for a run id, a request id or a bare request number, with every line', async () => {
    const s = world.services;
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    const request = await approvedForStaging(world, 'the message');
    await s.validate(as(DEPLOYER), request.id);
    const deployed = await deployAs(world, request.id);

    const byRequest = await s.logs(`DR-${request.id}`);
    expect(byRequest.map((r) => [r.kind, r.status, r.user, r.message])).toEqual([
      ['validate', 'succeeded', DEPLOYER, 'the message'],
      ['deploy', 'succeeded', DEPLOYER, 'the message'],
    ]);
    for (const run of byRequest) {
      expect(run.startedAt).toBeInstanceOf(Date);
      expect(run.endedAt).toBeInstanceOf(Date);
      expect(run.lines.length).toBeGreaterThan(2);
      expect(run.lines.every((l) => l.at instanceof Date && ['info', 'warn', 'error'].includes(l.level))).toBe(true);
    }
    expect(await s.logs(String(request.id))).toEqual(byRequest);
    const [byRun] = await s.logs(`run-${deployed.run.id}`);
    expect(byRun).toEqual(byRequest[1]);
    await refused(s.logs('RUN-999'), 'NOT_FOUND');
    await refused(s.logs('DR-999'), 'NOT_FOUND');
    const wrongKind = await refused(s.logs('CR-1'), 'INVALID_INPUT');
    expect(wrongKind.message).toContain('DR-12 or RUN-12');
  });

  it('report assembles the evidence of one change: request, package, votes with reasons, runs, revert chain, audit', async () => {
    const s = world.services;
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const rejected = (await s.send(as(ALICE), { instance: 'staging', message: 'first try', changeRequestId: cr.id })).request;
    await s.approve(as(BOB), rejected.id);
    await s.reject(as(CAROL), rejected.id, 'needs a screenshot');
    const rejectedReport = await s.report(`DR-${rejected.id}`);
    expect(rejectedReport.votes.map((v) => [v.voter, v.decision, v.reason])).toEqual([
      [BOB, 'approve', null],
      [CAROL, 'reject', 'needs a screenshot'],
    ]);
    expect(rejectedReport.request).toMatchObject({ state: 'rejected', reason: 'needs a screenshot' });

    const request = await approvedForProduction(world, cr, { message: 'second try' });
    await deployAs(world, request.id);
    const revert = await s.revert(as(DEPLOYER));
    const report = await s.report(`DR-${request.id}`);
    expect(report.source.name).toBe('staging');
    expect(report.target.name).toBe('production');
    expect(report.environment.name).toBe('Production');
    expect(report.changeRequest).toBe(`CR-${cr.id}`);
    expect(report.changes.map((c) => [c.key, c.action])).toEqual([['Layout/Account', 'modify']]);
    expect(report.votes.map((v) => v.voter)).toEqual([BOB, CAROL]);
    expect(report.runs.map((r) => [r.kind, r.status])).toEqual([
      ['deploy', 'succeeded'],
      ['revert', 'succeeded'],
    ]);
    expect(report.runs.every((r) => r.lines.length > 0)).toBe(true);
    expect(report.revertChain).toHaveLength(1);
    expect(report.revertChain[0]).toContain(`RUN-${revert.run.id}`);
    expect(report.audit.map((e) => [e.action, e.outcome])).toEqual([
      ['send', 'pending_approval'],
      ['approve', 'vote recorded'],
      ['approve', 'approved'],
      ['deploy', 'deployed'],
      ['revert', 'reverted'],
    ]);
  });

  it('whoami tells a user their roles and instances', async () => {
    expect(await world.services.whoami(as(ALICE))).toEqual({
      user: ALICE,
      admin: false,
      roles: [
        { environment: 'Development', approver: false, deployer: false },
        { environment: 'Staging', approver: false, deployer: false },
        { environment: 'Production', approver: false, deployer: false },
      ],
      instances: ['dev-alice'],
    });
    const qa = await world.services.whoami(as(QA_MEMBER));
    expect(qa.roles.find((r) => r.environment === 'Staging')).toEqual({ environment: 'Staging', approver: true, deployer: false });
    expect((await world.services.whoami(as(ADMIN))).admin).toBe(true);
    expect((await world.services.whoami(as(DEPLOYER))).roles.filter((r) => r.deployer).map((r) => r.environment)).toEqual(['Staging', 'Production']);
  });
});

describe('components', () => {
  beforeEach(async () => {
    world = await createWorld(db);
  });

  it('bad input writes nothing: every key is checked before anything is written', async () => {
    await world.put('dev-bob', { 'Layout/Existing': 'e' });
    const batches: Parameters<World['put']>[1][] = [
      { 'Layout/Good': 'g', 'not a key': 'x' },
      { 'Layout/Good': { content: 'g', dependsOn: ['also bad'] } },
      { 'Layout/../Escape': 'x' },
    ];
    for (const bad of batches) {
      await refused(world.put('dev-bob', bad), 'INVALID_INPUT');
    }
    const duplicate = await refused(
      world.services.components.put(as(ADMIN), 'dev-bob', [
        { key: 'Layout/Twice', content: '1' },
        { key: 'Layout/Twice', content: '2' },
      ]),
      'INVALID_INPUT',
    );
    expect(duplicate.message).toContain('given twice');
    expect(await contents(world, 'dev-bob')).toEqual({ 'Layout/Existing': 'e' });
    await refused(world.services.components.remove(as(ADMIN), 'dev-bob', 'Layout/Nothing'), 'NOT_FOUND');
  });

  it("an owned instance's components are changed only by its owner or an admin", async () => {
    const error = await refused(world.put('dev-alice', { 'Layout/A': 'a' }, BOB), 'NOT_PERMITTED');
    expect(error.message).toContain('@U0ALICE');
    expect(await contents(world, 'dev-alice')).toEqual({});
    await world.put('dev-alice', { 'Layout/A': 'a' }, ALICE);
    const [component] = await world.services.components.list('dev-alice');
    expect(component).toMatchObject({ key: 'Layout/A', content: 'a', changedBy: ALICE, dependsOn: [], changedAt: world.clock.now() });
    expect(component!.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('audit', () => {
  beforeEach(async () => {
    world = await createWorld(db);
  });

  it('every action leaves an event, refusals included, with who, how, when and on what', async () => {
    const s = world.services;
    await world.put('production', { 'Layout/Account': 'v1' });
    await s.sync(as(ADMIN), 'staging');
    await s.sync(as(ALICE), 'dev-alice');
    await world.put('dev-alice', { 'Layout/Account': 'v2' }, ALICE);
    await refused(s.send(as(BOB), { instance: 'dev-alice', message: 'm' }), 'NOT_PERMITTED');
    const request = await approvedForStaging(world);
    await s.validate(as(DEPLOYER), request.id);
    await s.lock(as(DEPLOYER), 'Staging', 'wait');
    await refused(deployAs(world, request.id), 'ENVIRONMENT_LOCKED');
    await s.unlock(as(DEPLOYER), 'Staging');
    await deployAs(world, request.id);
    await refused(s.revert(as(DEPLOYER), 'Staging'), 'INVALID_STATE');
    const cr = await s.changeRequests.create(as(ALICE), { name: 'n', type: 'standard', overview: 'o' });
    await s.components.remove(as(ALICE), 'dev-alice', 'Layout/Account');

    const [configured, ...events] = await s.audit({});
    expect(configured).toMatchObject({ actor: 'operator', via: 'system', action: 'config apply', outcome: 'applied' });
    expect(events.map((e) => [e.actor, e.action, e.subject, e.outcome])).toEqual([
      [ADMIN, 'components put', 'production', 'written out of band'],
      [ADMIN, 'sync', 'staging', 'succeeded'],
      [ALICE, 'sync', 'dev-alice', 'succeeded'],
      [ALICE, 'components put', 'dev-alice', 'written'],
      [BOB, 'send', 'dev-alice', 'refused'],
      [ALICE, 'send', `DR-${request.id}`, 'pending_approval'],
      [QA_MEMBER, 'approve', `DR-${request.id}`, 'approved'],
      [DEPLOYER, 'validate', `DR-${request.id}`, 'passed'],
      [DEPLOYER, 'lock', 'Staging', 'locked'],
      [DEPLOYER, 'deploy', `DR-${request.id}`, 'refused'],
      [DEPLOYER, 'unlock', 'Staging', 'unlocked'],
      [DEPLOYER, 'deploy', `DR-${request.id}`, 'deployed'],
      [DEPLOYER, 'revert', 'Staging', 'refused'],
      [ALICE, 'cr new', `CR-${cr.id}`, 'draft'],
      [ALICE, 'components rm', 'dev-alice', 'removed'],
    ]);
    expect(events.every((e) => e.via === 'cli' && e.at instanceof Date)).toBe(true);
    expect(events[4]!.details).toMatchObject({ code: 'NOT_PERMITTED' });
    expect((events[4]!.details as { reason: string }).reason).toContain('belongs to @U0ALICE');

    world.clock.advance(60_000);
    await s.lock(as(ADMIN), 'Production', 'later');
    expect((await s.audit({ since: world.clock.now() })).map((e) => e.action)).toEqual(['lock']);
  });
});
