import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import { QUEUED_STATES } from '../../domain/states.ts';
import type { DeploymentRequest } from '../../domain/types.ts';
import type { Database } from '../client.ts';
import { deploymentRequests, requestVotes, revertedChangeSets } from '../schema.ts';

const voteColumns = { voter: requestVotes.voter, decision: requestVotes.decision, reason: requestVotes.reason, at: requestVotes.at };

export function requestRepository(db: Database): Repositories['requests'] {
  const first = async (where: SQL | undefined, lock = false): Promise<DeploymentRequest | undefined> => {
    const query = db.select().from(deploymentRequests).where(where).limit(1);
    const [row] = lock ? await query.for('no key update') : await query;
    return row;
  };
  return {
    async create(request) {
      // The partial unique index refuses a second active request for the same change set.
      const [row] = await db.insert(deploymentRequests).values(request).onConflictDoNothing().returning();
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
        .select()
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
        .returning();
      return row;
    },
    latestDeployedTo: async (environmentId) => {
      const [row] = await db
        .select()
        .from(deploymentRequests)
        .where(and(eq(deploymentRequests.targetEnvironmentId, environmentId), inArray(deploymentRequests.state, ['deployed', 'reverted'])))
        .orderBy(desc(deploymentRequests.deployedAt), desc(deploymentRequests.id))
        .limit(1);
      return row;
    },
    recentlyDeployed: (limit) =>
      db
        .select()
        .from(deploymentRequests)
        .where(inArray(deploymentRequests.state, ['deployed', 'reverted']))
        .orderBy(desc(deploymentRequests.deployedAt), desc(deploymentRequests.id))
        .limit(limit),
    withChangeRequest: (changeRequestId) =>
      db.select().from(deploymentRequests).where(eq(deploymentRequests.changeRequestId, changeRequestId)).orderBy(asc(deploymentRequests.id)),
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
