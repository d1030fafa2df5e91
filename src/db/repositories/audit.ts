import { and, asc, eq, gte } from 'drizzle-orm';
import type { Repositories } from '../../domain/ports.ts';
import type { AuditEvent } from '../../domain/types.ts';
import type { Database } from '../client.ts';
import { auditEvents } from '../schema.ts';

/** The audit trail: appended to, never changed. */
export function auditRepository(db: Database): Repositories['audit'] {
  return {
    async record(event) {
      await db.insert(auditEvents).values(event);
    },
    list: ({ subject, since, limit }) =>
      db
        .select()
        .from(auditEvents)
        .where(and(subject ? eq(auditEvents.subject, subject) : undefined, since ? gte(auditEvents.at, since) : undefined))
        .orderBy(asc(auditEvents.id))
        .limit(limit) as Promise<AuditEvent[]>,
  };
}
