import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { DomainError, type ErrorCode } from '../../src/domain/errors.ts';
import { type Message, plainVoice, spell } from '../../src/domain/message.ts';
import type { ChangeRequest, DeploymentRequest } from '../../src/domain/types.ts';
import type { TestDatabase } from '../helpers/database.ts';
import { ALICE, BOB, CAROL, DEPLOYER, QA_MEMBER, as, type World } from '../helpers/world.ts';

/** Awaits `work`, which must be refused with `code`; returns the error so callers can check its message. */
/** A warning of the domain as plain text: people as @id, commands as the command line's. */
export const plain = (message: Message) => spell(message, plainVoice);

export async function refused(work: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  let outcome: unknown;
  try {
    outcome = await work;
  } catch (error) {
    expect(error, `expected a DomainError ${code}, got ${String(error)}`).toBeInstanceOf(DomainError);
    expect((error as DomainError).code, (error as DomainError).message).toBe(code);
    return error as DomainError;
  }
  throw new Error(`expected a refusal with ${code}, but it succeeded: ${JSON.stringify(outcome)?.slice(0, 300)}`);
}

/** Every column of every component of an instance, straight from the table, in key order. */
export function componentRows(db: TestDatabase, instance: string) {
  return queryRows<Record<string, unknown>>(
    db.db,
    sql`select c.key, c.content, c.hash, c.depends_on, c.changed_by, c.changed_at
        from components c join instances i on i.id = c.instance_id
        where i.name = ${instance} order by c.key`,
  );
}

/** Key → content of an instance, read through the services. */
export async function contents(world: World, instance: string): Promise<Record<string, string>> {
  return Object.fromEntries((await world.services.components.list(instance)).map((c) => [c.key, c.content]));
}

/** Row counts of the tables a refused send or deploy must leave untouched. */
export async function counts(db: TestDatabase) {
  const [row] = await queryRows<Record<string, number | string>>(
    db.db,
    sql`select (select count(*) from packages) as packages, (select count(*) from package_items) as package_items,
               (select count(*) from deployment_requests) as requests, (select count(*) from request_votes) as votes,
               (select count(*) from deployment_snapshots) as snapshots, (select count(*) from change_requests) as change_requests`,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

/** Audit events of a subject (or all), as [action, outcome] pairs in order. */
export async function auditTrail(world: World, subject?: string) {
  return (await world.services.audit({ subject, limit: 1000 })).map((e) => [e.action, e.outcome]);
}

export async function lastAudit(world: World) {
  const events = await world.services.audit({ limit: 1000 });
  return events[events.length - 1]!;
}

/** Production holds `components`; staging and dev-alice synced down from it. */
export async function seedPipeline(world: World, components: Record<string, string>) {
  await world.put('production', components);
  await world.services.sync(as(ALICE), 'staging');
  await world.services.sync(as(ALICE), 'dev-alice');
}

/** A change request approved by both production approvers (created by Alice). */
export async function approvedChangeRequest(world: World, extra: { customizations?: string[]; additionalApprovers?: string[] } = {}): Promise<ChangeRequest> {
  const s = world.services.changeRequests;
  const cr = await s.create(as(ALICE), { name: 'Release 1', type: 'normal', overview: 'new layout', ...extra });
  await s.submit(as(ALICE), cr.id);
  await s.approve(as(BOB), cr.id);
  const approved = await s.approve(as(CAROL), cr.id);
  for (const extraApprover of extra.additionalApprovers ?? []) await s.approve(as(extraApprover), cr.id);
  return (await s.show(cr.id)).changeRequest ?? approved;
}

/** Sends staging's changes to production (with `cr`) and gets both production approvals. */
export async function approvedForProduction(world: World, cr: ChangeRequest, options: { message?: string; confirmDrift?: boolean } = {}): Promise<DeploymentRequest> {
  const s = world.services;
  const sent = await s.send(as(ALICE), { instance: 'staging', message: options.message ?? 'release', changeRequestId: cr.id, confirmDrift: options.confirmDrift });
  await s.approve(as(BOB), sent.request.id);
  const voted = await s.approve(as(CAROL), sent.request.id);
  expect(voted.request.state).toBe('approved');
  return voted.request;
}

/** A pipeline whose Staging (approved by the QA group, deployed by U0DEPLOY) has `staging` added: targets, checks or hooks. */
export const stagingWith = (staging: string) => `
admins: [U0ADMIN]
environments:
  - { name: Development, kind: development, instances: [{ name: dev-alice, owner: U0ALICE }] }
  - name: Staging
    kind: staging
    instances: [staging]
    approvals: { required: 1, userGroups: [S0QA] }
    deployers: [U0DEPLOY]
${staging}
  - { name: Production, kind: production, instances: [production] }
`;

/** Sends dev-alice's changes to staging and gets them approved by the QA group member. */
export async function approvedForStaging(world: World, message = 'dev changes'): Promise<DeploymentRequest> {
  const sent = await world.services.send(as(ALICE), { instance: 'dev-alice', message });
  const voted = await world.services.approve(as(QA_MEMBER), sent.request.id);
  expect(voted.request.state).toBe('approved');
  return voted.request;
}

export const deployAs = (world: World, requestId: number, user = DEPLOYER) => world.services.deploy(as(user), requestId);

/** The project state and change summary `status` shows for an instance. */
export async function projectOf(world: World, instance: string) {
  for (const env of await world.services.status()) {
    const found = env.instances.find((i) => i.instance.name === instance);
    if (found) return { project: found.project, changes: found.changes, parent: found.parent };
  }
  throw new Error(`no instance ${instance}`);
}
