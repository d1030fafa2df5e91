import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { Repositories, Store } from '../../src/domain/ports.ts';
import { createServices, type Services } from '../../src/domain/services/index.ts';
import type { DeploymentRequest } from '../../src/domain/types.ts';
import { approvedChangeRequest, approvedForProduction, seedPipeline } from '../domain/support.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ADMIN, ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, createWorld, threeStepConfig, type World } from '../helpers/world.ts';

// Real PostgreSQL only: these tests race several connections of the pool (20 in tests) against each other.
// PGlite is a single connection, so nothing there ever runs at the same time.

let db: TestDatabase;
beforeAll(async () => {
  if (onPostgres) db = await openTestDatabase();
});
afterAll(async () => {
  if (onPostgres) await db.close();
});

/** After the other deployment has asked for the lock, the holder keeps it this long more: the other one really waits in PostgreSQL. */
const HOLD_MS = 100;
/** How many deployments race in each test: the first lock holder waits until all of them asked for the lock. */
const RACERS = 2;

interface LockSpan {
  requested: number;
  granted: number;
  released: number;
}

/**
 * The store, instrumented: every `lockForDeployment` records when it was asked for, when it was granted and when the
 * transaction's work ended (just before commit or rollback). The holder of the lock keeps it until every racer has
 * asked for it (at most 5 s), then HOLD_MS more, so that the others are certainly blocked on it meanwhile.
 */
function instrumentedStore(inner: Store) {
  const spans: LockSpan[] = [];
  let asked = 0;
  const everyoneAsked = async () => {
    const deadline = performance.now() + 5_000;
    while (asked < RACERS && performance.now() < deadline) await sleep(5);
    await sleep(HOLD_MS);
  };
  const store: Store = {
    ...inner,
    transaction: (work) =>
      inner.transaction(async (tx) => {
        let span: LockSpan | undefined;
        const wrapped: Repositories = {
          ...tx,
          environments: {
            ...tx.environments,
            async lockForDeployment(id) {
              const requested = performance.now();
              asked++;
              const env = await tx.environments.lockForDeployment(id);
              span = { requested, granted: performance.now(), released: Number.NaN };
              spans.push(span);
              await everyoneAsked();
              return env;
            },
          },
        };
        try {
          return await work(wrapped);
        } finally {
          if (span) span.released = performance.now();
        }
      }),
  };
  return { store, spans };
}

/** Services over the instrumented store with a real clock (deployments are ordered by their time). */
function racingServices(world: World) {
  const { store, spans } = instrumentedStore(world.services.deps.store);
  const services = createServices({ ...world.services.deps, store, clock: { now: () => new Date() } });
  return { services, spans };
}

async function contents(services: Services, instance: string) {
  return Object.fromEntries((await services.components.list(instance)).map((c) => [c.key, c.content]));
}

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal, but the call succeeded');
}

const settled = <T>(results: PromiseSettledResult<T>[]) => ({
  fulfilled: results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value),
  rejected: results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown),
});

/** Staging holds `base`; dev-alice and dev-bob sync with it, make their changes, send them and get them approved. */
async function twoApprovedRequests(
  world: World,
  base: Record<string, string>,
  alice: { put: Record<string, string | { content: string; dependsOn?: string[] }>; remove?: string[] },
  bob: { put: Record<string, string | { content: string; dependsOn?: string[] }>; remove?: string[] },
) {
  const s = world.services;
  await world.put('staging', base);
  await s.sync(as(ALICE), 'dev-alice');
  await s.sync(as(BOB), 'dev-bob');
  const requests: DeploymentRequest[] = [];
  for (const [user, instance, change] of [
    [ALICE, 'dev-alice', alice],
    [BOB, 'dev-bob', bob],
  ] as const) {
    await world.put(instance, change.put, user);
    for (const key of change.remove ?? []) await s.components.remove(as(user), instance, key);
    const sent = await s.send(as(user), { instance, message: `changes of ${instance}` });
    const voted = await s.approve(as(QA_MEMBER), sent.request.id);
    expect(voted.request.state).toBe('approved');
    expect(sent.targetInstance.name).toBe('staging');
    requests.push(voted.request);
  }
  return requests as [DeploymentRequest, DeploymentRequest];
}

/**
 * The order in which the runs held the environment lock, from the live log: lines written inside a deployment's
 * transaction (from "Checking dependencies…" to the last line before "Deployment succeeded/failed") of one run must
 * never interleave with those of another.
 */
function lockOrderFromLog(world: World, requestIds: number[]): number[] {
  const lines = world.sink.lines.filter((l) => l.run.kind === 'deploy' && requestIds.includes(l.run.requestId!));
  const segments = requestIds.map((requestId) => {
    const indexes = lines.flatMap((l, i) => (l.run.requestId === requestId ? [i] : []));
    const start = indexes.find((i) => lines[i]!.line.text === 'Checking dependencies…');
    const end = indexes.find((i) => /^Deployment (succeeded|failed)/.test(lines[i]!.line.text));
    expect(start, `run of DR-${requestId} checked dependencies`).toBeDefined();
    expect(end, `run of DR-${requestId} ended`).toBeDefined();
    const inside = indexes.filter((i) => i >= start! && i < end!);
    return { requestId, first: inside[0]!, last: inside[inside.length - 1]! };
  });
  segments.sort((a, b) => a.first - b.first);
  for (let i = 1; i < segments.length; i++) {
    expect(segments[i]!.first, `DR-${segments[i]!.requestId} worked while DR-${segments[i - 1]!.requestId} held the lock`).toBeGreaterThan(
      segments[i - 1]!.last,
    );
  }
  return segments.map((s) => s.requestId);
}

/** The second deployment asked for the lock while the first held it, and got it only after the first was done. */
function expectOneWaitedForTheOther(spans: LockSpan[]) {
  expect(spans).toHaveLength(2);
  const [first, second] = [...spans].sort((a, b) => a.granted - b.granted) as [LockSpan, LockSpan];
  expect(second.requested).toBeLessThan(first.released);
  expect(second.granted).toBeGreaterThanOrEqual(first.released);
  expect(second.granted - second.requested).toBeGreaterThanOrEqual(HOLD_MS - 5);
}

/** The pipeline of DESIGN.md without the change-request rule, so that production deploys need only approvals. */
const threeStepWithoutChangeRequest = threeStepConfig.replace('requireChangeRequest: true', 'requireChangeRequest: false');

describe.runIf(onPostgres)('concurrency on PostgreSQL', () => {
  it('two deploys to one environment at once: one waits for the other, both apply, in order', async () => {
    const world = await createWorld(db);
    const base = { 'Layout/Account': 'v1', 'Workflow/Onboarding': 'w1', 'Apex/Util': 'u1' };
    const alice = { put: { 'Layout/Account': 'alice-2', 'Page/Alice': { content: 'pa', dependsOn: ['Layout/Account'] } } };
    const bob = { put: { 'Workflow/Onboarding': 'bob-2', 'Page/Bob': 'pb' }, remove: ['Apex/Util'] };
    const [a, b] = await twoApprovedRequests(world, base, alice, bob);
    const { services, spans } = racingServices(world);

    const results = await Promise.all([services.deploy(as(DEPLOYER), a.id), services.deploy(as(DEPLOYER), b.id)]);

    for (const result of results) {
      expect(result.succeeded).toBe(true);
      expect(result.request.state).toBe('deployed');
      expect(result.run.status).toBe('succeeded');
    }
    expectOneWaitedForTheOther(spans);
    const order = lockOrderFromLog(world, [a.id, b.id]);
    const afterBoth = {
      'Layout/Account': 'alice-2',
      'Page/Alice': 'pa',
      'Workflow/Onboarding': 'bob-2',
      'Page/Bob': 'pb',
    };
    expect(await contents(services, 'staging')).toEqual(afterBoth);

    // The later deployment saved the state the earlier one left (what a revert of it would restore).
    const later = results.find((r) => r.request.id === order[1])!;
    const snapshot = await queryRows<{ key: string; existed: boolean; content: string | null }>(
      db.db,
      sql`select key, existed, content from deployment_snapshots where run_id = ${later.run.id} order by key`,
    );
    const expected =
      later.request.id === a.id
        ? [
            { key: 'Layout/Account', existed: true, content: 'v1' },
            { key: 'Page/Alice', existed: false, content: null },
          ]
        : [
            { key: 'Apex/Util', existed: true, content: 'u1' },
            { key: 'Page/Bob', existed: false, content: null },
            { key: 'Workflow/Onboarding', existed: true, content: 'w1' },
          ];
    expect(snapshot).toEqual(expected);
  });

  it('two deploys of conflicting changes at once: the first applies, the second fails on the conflict and changes nothing', async () => {
    const world = await createWorld(db);
    const base = { 'Layout/Account': 'v1', 'Workflow/Onboarding': 'w1' };
    const [a, b] = await twoApprovedRequests(world, base, { put: { 'Layout/Account': 'alice-2' } }, { put: { 'Layout/Account': 'bob-2', 'Page/Bob': 'pb' } });
    const { services, spans } = racingServices(world);

    const results = await Promise.all([services.deploy(as(DEPLOYER), a.id), services.deploy(as(DEPLOYER), b.id)]);

    expectOneWaitedForTheOther(spans);
    const [firstId, secondId] = lockOrderFromLog(world, [a.id, b.id]);
    const first = results.find((r) => r.request.id === firstId)!;
    const second = results.find((r) => r.request.id === secondId)!;
    expect(first.succeeded).toBe(true);
    expect(first.request.state).toBe('deployed');
    expect(second.succeeded).toBe(false);
    expect(second.request.state).toBe('failed');
    expect(second.reason).toBe('1 conflict with the target (sync and send again)');
    expect(second.run.status).toBe('failed');
    expect(world.sink.textsOf(second.run.id)).toContain('Conflict: Layout/Account changed in the target since these changes were made against it');

    // The target holds exactly the first request's changes; nothing of the failed one is left behind.
    const expected = firstId === a.id ? { 'Layout/Account': 'alice-2', 'Workflow/Onboarding': 'w1' } : { 'Layout/Account': 'bob-2', 'Workflow/Onboarding': 'w1', 'Page/Bob': 'pb' };
    expect(await contents(services, 'staging')).toEqual(expected);
    const snapshots = await queryRows<{ run_id: number; n: number }>(db.db, sql`select run_id, count(*)::int as n from deployment_snapshots group by run_id order by run_id`);
    expect(snapshots).toEqual([{ run_id: first.run.id, n: firstId === a.id ? 1 : 2 }]);
    // A failed deployment stays in the queue, deployable again once the cause is fixed.
    const [queue] = await services.queue('Staging');
    expect(queue!.requests.map((r) => [r.id, r.state])).toEqual([[secondId, 'failed']]);
  });

  it('the same send twice at once makes exactly one deployment request', async () => {
    const world = await createWorld(db);
    const s = world.services;
    await world.put('staging', { 'Layout/Account': 'v1' });
    await s.sync(as(ALICE), 'dev-alice');
    for (const round of [1, 2, 3]) {
      await world.put('dev-alice', { 'Layout/Account': `v${round + 1}`, [`Page/Round${round}`]: 'p' }, ALICE);
      const [requestsBefore] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from deployment_requests`);
      const [packagesBefore] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from packages`);

      const { fulfilled, rejected } = settled(
        await Promise.allSettled([
          s.send(as(ALICE), { instance: 'dev-alice', message: `round ${round}` }),
          s.send(as(ALICE), { instance: 'dev-alice', message: `round ${round}` }),
        ]),
      );

      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(DomainError);
      expect((rejected[0] as DomainError).code).toBe('ALREADY_QUEUED');
      expect((rejected[0] as DomainError).message).toContain(`DR-${fulfilled[0]!.request.id} already waits in Staging's deployment queue`);
      const [requestsAfter] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from deployment_requests`);
      const [packagesAfter] = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from packages`);
      expect(requestsAfter!.n - requestsBefore!.n).toBe(1);
      expect(packagesAfter!.n - packagesBefore!.n).toBe(1);
      const sends = (await s.audit({ limit: 1000 })).filter((e) => e.action === 'send' && e.actor === ALICE).slice(-2);
      expect(sends.map((e) => e.outcome).sort()).toEqual(['pending_approval', 'refused']);
    }
    const active = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from deployment_requests where state = 'pending_approval'`);
    expect(active[0]!.n).toBe(3);
  });

  const manyApprovers = Array.from({ length: 20 }, (_, i) => `U0APPR${String(i + 1).padStart(2, '0')}`);
  const manyApproversConfig = `
admins: [U0ADMIN]
environments:
  - name: Development
    kind: development
    channel: C0DEV
    instances: [{ name: dev-alice, owner: U0ALICE }]
  - name: Staging
    kind: staging
    channel: C0STAGING
    instances: [staging]
    approvals: { required: 3, approvers: [${manyApprovers.join(', ')}] }
    deployers: [U0DEPLOY]
  - name: Production
    kind: production
    channel: C0PROD
    instances: [production]
    deployers: [U0DEPLOY]
`;

  async function pendingRequest(world: World) {
    await world.put('dev-alice', { 'Layout/Account': 'v1' }, ALICE);
    const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message: 'many approvers' });
    expect(sent.request.state).toBe('pending_approval');
    return sent.request.id;
  }

  it('twenty approvals at once: each vote counted once, one decision, the rest refused as already approved', async () => {
    const world = await createWorld(db, manyApproversConfig);
    const s = world.services;
    const id = await pendingRequest(world);

    const { fulfilled, rejected } = settled(await Promise.allSettled(manyApprovers.map((user) => s.approve(as(user), id))));

    expect(fulfilled).toHaveLength(3);
    expect(fulfilled.map((v) => v.approvals).sort()).toEqual([1, 2, 3]);
    expect(fulfilled.filter((v) => v.decided)).toHaveLength(1);
    expect(fulfilled.find((v) => v.decided)!.approvals).toBe(3);
    expect(rejected).toHaveLength(17);
    for (const error of rejected) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('INVALID_STATE');
      expect((error as DomainError).message).toMatch(new RegExp(`^DR-${id} is already approved .*votes after a decision are not recorded`));
    }

    const votes = await queryRows<{ voter: string }>(db.db, sql`select voter from request_votes where request_id = ${id}`);
    expect(votes).toHaveLength(3);
    expect(new Set(votes.map((v) => v.voter)).size).toBe(3);
    const decider = fulfilled.find((v) => v.decided)!.request.decidedBy;
    expect(votes.map((v) => v.voter)).toContain(decider);

    // In the audit, in order: two votes recorded, then the one decision, then the refusals.
    const approveEvents = (await s.audit({ subject: `DR-${id}`, limit: 100 })).filter((e) => e.action === 'approve');
    expect(approveEvents.map((e) => e.outcome)).toEqual(['vote recorded', 'vote recorded', 'approved', ...Array(17).fill('refused')]);
    const [request] = await queryRows<{ state: string; decided_by: string }>(db.db, sql`select state, decided_by from deployment_requests where id = ${id}`);
    expect(request).toEqual({ state: 'approved', decided_by: decider });
  });

  it('one approver clicking Approve many times at once counts once', async () => {
    const world = await createWorld(db, manyApproversConfig);
    const s = world.services;
    const id = await pendingRequest(world);

    const { fulfilled, rejected } = settled(await Promise.allSettled(Array.from({ length: 10 }, () => s.approve(as(manyApprovers[0]!), id))));

    expect(fulfilled).toHaveLength(1);
    expect(fulfilled[0]).toMatchObject({ approvals: 1, required: 3, decided: false });
    expect(rejected).toHaveLength(9);
    for (const error of rejected) expect((error as DomainError).code).toBe('ALREADY_VOTED');
    const votes = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from request_votes where request_id = ${id}`);
    expect(votes[0]!.n).toBe(1);
    const [request] = await queryRows<{ state: string }>(db.db, sql`select state from deployment_requests where id = ${id}`);
    expect(request!.state).toBe('pending_approval');
  });

  it('the same Deploy twice at once makes one deployment run', async () => {
    const world = await createWorld(db);
    const s = world.services;
    await world.put('staging', { 'Layout/Account': 'v1' });
    await s.sync(as(ALICE), 'dev-alice');
    await world.put('dev-alice', { 'Layout/Account': 'v2', 'Page/New': 'n' }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'deploy me once' });
    await s.approve(as(QA_MEMBER), sent.request.id);
    const id = sent.request.id;

    const { fulfilled, rejected } = settled(await Promise.allSettled([s.deploy(as(DEPLOYER), id), s.deploy(as(ADMIN), id)]));

    expect(fulfilled).toHaveLength(1);
    expect(fulfilled[0]!.succeeded).toBe(true);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toBeInstanceOf(DomainError);
    expect((rejected[0] as DomainError).code).toBe('INVALID_STATE');
    expect((rejected[0] as DomainError).message).toMatch(new RegExp(`^DR-${id} is (being deployed right now|already deployed to Staging)`));

    const runs = (await s.logs(`DR-${id}`)).filter((r) => r.kind === 'deploy');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('succeeded');
    const deployEvents = (await s.audit({ subject: `DR-${id}`, limit: 100 })).filter((e) => e.action === 'deploy');
    expect(deployEvents.map((e) => e.outcome).sort()).toEqual(['deployed', 'refused']);
    const snapshots = await queryRows<{ n: number }>(db.db, sql`select count(*)::int as n from deployment_snapshots`);
    expect(snapshots[0]!.n).toBe(2);
    expect(await contents(s, 'staging')).toEqual({ 'Layout/Account': 'v2', 'Page/New': 'n' });
    await refusalOf(s.deploy(as(DEPLOYER), id));
  });

  it('the same Revert twice at once reverts the latest production deployment once, never the one before it', async () => {
    const world = await createWorld(db);
    const s = world.services;
    await seedPipeline(world, { 'Layout/Account': 'v1' });
    const cr = await approvedChangeRequest(world);
    await world.put('staging', { 'Layout/Account': 'v2' });
    const first = await approvedForProduction(world, cr, { message: 'first' });
    expect((await s.deploy(as(DEPLOYER), first.id)).succeeded).toBe(true);
    await s.sync(as(ALICE), 'staging');
    await world.put('staging', { 'Layout/Account': 'v3' });
    const second = await approvedForProduction(world, cr, { message: 'second' });
    expect((await s.deploy(as(DEPLOYER), second.id)).succeeded).toBe(true);

    const { fulfilled, rejected } = settled(await Promise.allSettled([s.revert(as(DEPLOYER)), s.revert(as(ADMIN)), s.revert(as(DEPLOYER))]));

    expect(fulfilled.map((r) => r.request.id)).toEqual([second.id]);
    expect(rejected.map((e) => (e as DomainError).code)).toEqual(['NOTHING_TO_REVERT', 'NOTHING_TO_REVERT']);
    expect(await contents(s, 'production')).toEqual({ 'Layout/Account': 'v2' });
    expect((await s.report(`DR-${first.id}`)).request.state).toBe('deployed');
    expect((await s.logs(`DR-${second.id}`)).filter((r) => r.kind === 'revert').map((r) => r.status)).toEqual(['succeeded']);
  });

  it("staging syncing with production while its own request deploys there: both end right, no deadlock", async () => {
    const world = await createWorld(db, threeStepWithoutChangeRequest);
    const s = world.services;
    await world.put('production', { 'Layout/A': 'a1' });
    await s.sync(as(ADMIN), 'staging');
    await world.put('staging', { 'Layout/A': 'a2' });
    const sent = await s.send(as(ADMIN), { instance: 'staging', message: 'release' });
    await s.approve(as(BOB), sent.request.id);
    await s.approve(as(CAROL), sent.request.id);

    const { store, timing } = deploymentHeldForSync(world.services.deps.store);
    const services = createServices({ ...world.services.deps, store });
    const deploying = services.deploy(as(DEPLOYER), sent.request.id);
    await until(() => timing.deployHolds, 'the deployment to hold its locks');
    const [deployed, synced] = await Promise.all([deploying, services.sync(as(ADMIN), 'staging')]);

    expect(deployed.succeeded).toBe(true);
    expect(synced.run.status).toBe('succeeded');
    expect(synced.conflicts).toEqual([]);
    expect(timing.syncGranted).toBeGreaterThanOrEqual(timing.deployReleased);
    expect(await contents(s, 'production')).toEqual({ 'Layout/A': 'a2' });
    expect((await s.status()).flatMap((e) => e.instances).find((i) => i.instance.name === 'staging')!.project).toBe('Ready');
  });

  it('the approvals a change request needs, given at once, approve it', async () => {
    const world = await createWorld(db);
    const s = world.services;
    const cr = await s.changeRequests.create(as(ALICE), { name: 'n', type: 'normal', overview: 'o', additionalApprovers: [DEPLOYER] });
    await s.changeRequests.submit(as(ALICE), cr.id);
    const votes = await Promise.all([BOB, CAROL, DEPLOYER].map((user) => s.changeRequests.approve(as(user), cr.id)));
    expect(votes.map((v) => v.state).sort()).toEqual(['approved', 'pending_approval', 'pending_approval']);
    expect((await s.changeRequests.show(cr.id)).changeRequest.state).toBe('approved');
  });

  it('a deployment into an instance that is syncing is never overwritten by the sync', async () => {
    const world = await createWorld(db);
    const s = world.services;
    await world.put('production', { 'Layout/K': 'k0' });
    await s.sync(as(ADMIN), 'staging');
    await s.sync(as(ALICE), 'dev-alice');
    await world.put('dev-alice', { 'Layout/K': 'kD' }, ALICE);
    const sent = await s.send(as(ALICE), { instance: 'dev-alice', message: 'K from dev' });
    await s.approve(as(QA_MEMBER), sent.request.id);
    await world.put('production', { 'Layout/K': 'kP' }); // a hotfix upstream meanwhile

    const { store, timing } = deploymentHeldForSync(world.services.deps.store);
    const services = createServices({ ...world.services.deps, store });
    const deploying = services.deploy(as(DEPLOYER), sent.request.id);
    await until(() => timing.deployHolds, 'the deployment to hold its locks');
    const [deployed, synced] = await Promise.all([deploying, services.sync(as(ADMIN), 'staging')]);

    expect(deployed.reason).toBeNull();
    // The sync saw the deployed kD: changed on both sides, so a conflict, and the deployed version stays.
    expect(synced.conflicts).toEqual(['Layout/K']);
    expect(await contents(s, 'staging')).toEqual({ 'Layout/K': 'kD' });
  });

  it('a sync of an instance waits for a deployment landing in its source, then takes all of it', async () => {
    const world = await createWorld(db);
    const s = world.services;
    await world.put('staging', { 'Layout/A': 'a1', 'Layout/B': 'b1' });
    await s.sync(as(ALICE), 'dev-alice');
    await s.sync(as(BOB), 'dev-bob');
    await world.put('dev-bob', { 'Layout/B': 'b2', 'Page/Bob': 'pb' }, BOB);
    const sent = await s.send(as(BOB), { instance: 'dev-bob', message: 'bob' });
    await s.approve(as(QA_MEMBER), sent.request.id);

    const { store, timing } = deploymentHeldForSync(world.services.deps.store);
    const services = createServices({ ...world.services.deps, store });
    const deploying = services.deploy(as(DEPLOYER), sent.request.id);
    await until(() => timing.deployHolds, 'the deployment to hold its locks');
    const [deployed, synced] = await Promise.all([deploying, services.sync(as(ALICE), 'dev-alice')]);

    expect(deployed.succeeded).toBe(true);
    expect(timing.syncGranted).toBeGreaterThanOrEqual(timing.deployReleased);
    expect(synced.taken.sort()).toEqual(['Layout/B', 'Page/Bob']);
    const alice = (await s.status()).flatMap((e) => e.instances).find((i) => i.instance.name === 'dev-alice')!;
    expect(alice.project).toBe('Ready');
    expect(await contents(s, 'dev-alice')).toEqual({ 'Layout/A': 'a1', 'Layout/B': 'b2', 'Page/Bob': 'pb' });
  });
});

/**
 * The store, instrumented for a deployment racing a sync: the deployment holds its environment and target instance
 * until the sync has asked to read its source (`holdSteady`), then HOLD_MS more; the timing says when each happened.
 */
function deploymentHeldForSync(inner: Store) {
  const timing = { syncAsked: false, deployHolds: false, syncGranted: Number.NaN, deployReleased: Number.NaN };
  const store: Store = {
    ...inner,
    transaction: (work) =>
      inner.transaction(async (tx) => {
        let deploying = false;
        const wrapped: Repositories = {
          ...tx,
          environments: {
            ...tx.environments,
            async lockForDeployment(id) {
              deploying = true;
              return tx.environments.lockForDeployment(id);
            },
            async holdSteady(id) {
              timing.syncAsked = true;
              await tx.environments.holdSteady(id);
              timing.syncGranted = performance.now();
            },
          },
          instances: {
            ...tx.instances,
            // The deployment holds its environment and its target instance until the sync has asked, then HOLD_MS more.
            async lockRow(id) {
              const instance = await tx.instances.lockRow(id);
              if (!deploying) return instance;
              timing.deployHolds = true;
              const deadline = performance.now() + 5_000;
              while (!timing.syncAsked && performance.now() < deadline) await sleep(5);
              await sleep(HOLD_MS);
              return instance;
            },
          },
        };
        try {
          return await work(wrapped);
        } finally {
          if (deploying) timing.deployReleased = performance.now();
        }
      }),
  };
  return { store, timing };
}

async function until(condition: () => boolean, what: string) {
  const deadline = performance.now() + 5_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`waited 5 s for ${what}`);
    await sleep(5);
  }
}
