import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import { type Database, queryRows } from '../client.ts';
import { changeRequests, changeRequestVotes, components } from '../schema.ts';

const voteColumns = {
  voter: changeRequestVotes.voter,
  decision: changeRequestVotes.decision,
  reason: changeRequestVotes.reason,
  at: changeRequestVotes.at,
};

export function changeRequestRepository(db: Database): Repositories['changeRequests'] {
  return {
    async create(cr) {
      const [row] = await db.insert(changeRequests).values(cr).returning();
      if (!row) throw new Error('change request insert returned nothing');
      return row;
    },
    async byId(id) {
      const [row] = await db.select().from(changeRequests).where(eq(changeRequests.id, id));
      return row;
    },
    async lockRow(id) {
      const [row] = await db.select().from(changeRequests).where(eq(changeRequests.id, id)).for('no key update');
      return row;
    },
    list: () => db.select().from(changeRequests).orderBy(desc(changeRequests.id)),
    async setState(id, state, at, rejectionReason) {
      await db
        .update(changeRequests)
        .set({ state, updatedAt: at, ...(rejectionReason === undefined ? {} : { rejectionReason }) })
        .where(eq(changeRequests.id, id));
    },
    async workedIn(instanceId) {
      const [row] = await db.select().from(changeRequests).where(eq(changeRequests.workedInInstanceId, instanceId));
      return row;
    },
    async setWorkedIn(id, work) {
      if (work) {
        // One change request per instance (a unique index): the one it worked on before lets go first.
        await db
          .update(changeRequests)
          .set({ workedInInstanceId: null, workedBy: null, workedSince: null })
          .where(and(eq(changeRequests.workedInInstanceId, work.instanceId), ne(changeRequests.id, id)));
      }
      await db
        .update(changeRequests)
        .set({ workedInInstanceId: work?.instanceId ?? null, workedBy: work?.by ?? null, workedSince: work?.at ?? null })
        .where(eq(changeRequests.id, id));
    },
    async promoteProposed(id, instanceId) {
      // One statement: the keys present in the instance move from the proposed list to the existing one.
      const [row] = await queryRows<{ moved: string[] }>(
        db,
        sql`
        with present as (
          select coalesce(array_agg(p.key order by p.key), '{}') as keys
          from ${changeRequests} cr, unnest(cr.proposed_customizations) as p(key)
          where cr.id = ${id} and exists (select 1 from ${components} c where c.instance_id = ${instanceId} and c.key = p.key)
        )
        update ${changeRequests} cr
        set customizations = cr.customizations || present.keys,
            proposed_customizations = array(select k from unnest(cr.proposed_customizations) k where k <> all(present.keys))
        from present
        where cr.id = ${id} and cardinality(present.keys) > 0
        returning present.keys as moved`,
      );
      return row?.moved ?? [];
    },
    async addVote(id, vote) {
      const inserted = await db
        .insert(changeRequestVotes)
        .values({ changeRequestId: id, ...vote })
        .onConflictDoNothing()
        .returning({ voter: changeRequestVotes.voter });
      return inserted.length > 0;
    },
    votes: (id) =>
      db.select(voteColumns).from(changeRequestVotes).where(eq(changeRequestVotes.changeRequestId, id)).orderBy(asc(changeRequestVotes.at)),
  };
}
