import { asc, desc, eq } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { Database } from '../client.ts';
import { changeRequests, changeRequestVotes } from '../schema.ts';

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
