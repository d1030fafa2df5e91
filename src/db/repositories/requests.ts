import { and, asc, desc, eq, getTableColumns, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import { QUEUED_STATES } from '../../domain/states.ts';
import type { DeploymentRequest } from '../../domain/types.ts';
import { type Database, queryRows } from '../client.ts';
import { alias } from 'drizzle-orm/pg-core';
import { deploymentRequests, environments, instances, requestVotes, revertedChangeSets } from '../schema.ts';

// A request as the domain knows it: without the durations kept for delivery metrics.
const { leadSeconds: _l, waitSeconds: _w, ...requestColumns } = getTableColumns(deploymentRequests);

const source = alias(instances, 'source');
const target = alias(instances, 'target');

const voteColumns = { voter: requestVotes.voter, decision: requestVotes.decision, reason: requestVotes.reason, at: requestVotes.at };

export function requestRepository(db: Database): Repositories['requests'] {
  const first = async (where: SQL | undefined, lock = false): Promise<DeploymentRequest | undefined> => {
    const query = db.select(requestColumns).from(deploymentRequests).where(where).limit(1);
    const [row] = lock ? await query.for('no key update') : await query;
    return row;
  };
  return {
    async create(request) {
      // The partial unique index refuses a second active request for the same change set.
      const [row] = await db.insert(deploymentRequests).values(request).onConflictDoNothing().returning(requestColumns);
      return row;
    },
    byId: (id) => first(eq(deploymentRequests.id, id)),
    lockRow: (id) => first(eq(deploymentRequests.id, id), true),
    activeFor: (sourceInstanceId, changeHash) =>
      first(
        and(
          eq(deploymentRequests.sourceInstanceId, sourceInstanceId),
          eq(deploymentRequests.changeHash, changeHash),
          inArray(deploymentRequests.state, QUEUED_STATES),
        ),
      ),
    inStates: (states, environmentId) =>
      db
        .select(requestColumns)
        .from(deploymentRequests)
        .where(
          and(
            inArray(deploymentRequests.state, states),
            environmentId === undefined ? undefined : eq(deploymentRequests.targetEnvironmentId, environmentId),
          ),
        )
        .orderBy(asc(deploymentRequests.id)),
    async transition(id, from, to, changes) {
      const [row] = await db
        .update(deploymentRequests)
        .set({ ...changes, id: undefined, state: to })
        .where(and(eq(deploymentRequests.id, id), inArray(deploymentRequests.state, from)))
        .returning(requestColumns);
      return row;
    },
    async plan(id, states, at, by) {
      const [row] = await db
        .update(deploymentRequests)
        .set({ scheduledAt: at, scheduledBy: by })
        .where(and(eq(deploymentRequests.id, id), inArray(deploymentRequests.state, states)))
        .returning(requestColumns);
      return row;
    },
    async hold(id, holder, by, at) {
      const [row] = await db
        .update(deploymentRequests)
        .set({ claimedBy: by, claimedAt: at })
        .where(
          and(
            eq(deploymentRequests.id, id),
            eq(deploymentRequests.state, 'pending_approval'),
            holder === null ? isNull(deploymentRequests.claimedBy) : eq(deploymentRequests.claimedBy, holder),
          ),
        )
        .returning(requestColumns);
      return row;
    },
    async takeDue(now) {
      // SKIP LOCKED: replicas ticking at once split the due schedules between them instead of waiting on each other.
      // Taking it is progress: until its deployment starts the request must not look stale (expiry skips only
      // requests with a schedule, and this one has just lost its own).
      const rows = await queryRows<{ id: number; scheduled_by: string; scheduled_at: Date | string }>(
        db,
        sql`with due as (
              select id, scheduled_by, scheduled_at from deployment_requests
              where scheduled_at <= ${now.toISOString()}::timestamptz order by scheduled_at for update skip locked)
            update deployment_requests r set scheduled_at = null, scheduled_by = null, updated_at = ${now.toISOString()}::timestamptz
            from due where r.id = due.id
            returning r.id, due.scheduled_by, due.scheduled_at`,
      );
      return rows.map((r) => ({ requestId: r.id, by: r.scheduled_by, at: new Date(r.scheduled_at) }));
    },
    async countReminders(id, from, to) {
      const rows = await db
        .update(deploymentRequests)
        .set({ remindersSent: to })
        .where(and(eq(deploymentRequests.id, id), eq(deploymentRequests.remindersSent, from)))
        .returning({ id: deploymentRequests.id });
      return rows.length > 0;
    },
    async escalate(id, at) {
      const rows = await db
        .update(deploymentRequests)
        .set({ escalatedAt: at })
        .where(and(eq(deploymentRequests.id, id), eq(deploymentRequests.state, 'pending_approval'), isNull(deploymentRequests.escalatedAt)))
        .returning({ id: deploymentRequests.id });
      return rows.length > 0;
    },
    latestDeployedTo: async (environmentId) => {
      const [row] = await db
        .select(requestColumns)
        .from(deploymentRequests)
        .where(and(eq(deploymentRequests.targetEnvironmentId, environmentId), inArray(deploymentRequests.state, ['deployed', 'reverted'])))
        .orderBy(desc(deploymentRequests.deployedAt), desc(deploymentRequests.id))
        .limit(1);
      return row;
    },
    page: (filter, before, limit) =>
      db
        .select({ request: requestColumns, source: source.name, target: target.name, environment: environments.name })
        .from(deploymentRequests)
        .innerJoin(source, eq(source.id, deploymentRequests.sourceInstanceId))
        .innerJoin(target, eq(target.id, deploymentRequests.targetInstanceId))
        .innerJoin(environments, eq(environments.id, deploymentRequests.targetEnvironmentId))
        .where(
          and(
            filter.states?.length ? inArray(deploymentRequests.state, filter.states) : undefined,
            filter.environmentId === undefined ? undefined : eq(deploymentRequests.targetEnvironmentId, filter.environmentId),
            filter.sourceInstanceId === undefined ? undefined : eq(deploymentRequests.sourceInstanceId, filter.sourceInstanceId),
            before === null ? undefined : lt(deploymentRequests.id, before),
          ),
        )
        .orderBy(desc(deploymentRequests.id))
        .limit(limit),
    recentlyDeployed: (limit) =>
      db
        .select(requestColumns)
        .from(deploymentRequests)
        .where(inArray(deploymentRequests.state, ['deployed', 'reverted']))
        .orderBy(desc(deploymentRequests.deployedAt), desc(deploymentRequests.id))
        .limit(limit),
    withChangeRequest: (changeRequestId) =>
      db.select(requestColumns).from(deploymentRequests).where(eq(deploymentRequests.changeRequestId, changeRequestId)).orderBy(asc(deploymentRequests.id)),
    async addVote(requestId, vote) {
      const inserted = await db.insert(requestVotes).values({ requestId, ...vote }).onConflictDoNothing().returning({ voter: requestVotes.voter });
      return inserted.length > 0;
    },
    votes: (requestId) => db.select(voteColumns).from(requestVotes).where(eq(requestVotes.requestId, requestId)).orderBy(asc(requestVotes.at)),
    async isReverted(changeHash) {
      const rows = await db.select({ h: revertedChangeSets.changeHash }).from(revertedChangeSets).where(eq(revertedChangeSets.changeHash, changeHash));
      return rows.length > 0;
    },
    async markReverted(changeHash, requestId, at) {
      await db.insert(revertedChangeSets).values({ changeHash, requestId, at }).onConflictDoNothing();
    },
  };
}
