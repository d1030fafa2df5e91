import { and, eq, isNotNull } from 'drizzle-orm';
import type { MessageRole, PostedMessages } from '../../slack/posted-messages.ts';
import type { Database } from '../client.ts';
import { postedMessages } from '../schema.ts';

export function postedMessageRepository(db: Database): PostedMessages {
  const where = (subject: string, role: MessageRole) => and(eq(postedMessages.subject, subject), eq(postedMessages.role, role));
  return {
    async find(subject, role) {
      const [row] = await db.select().from(postedMessages).where(and(where(subject, role), isNotNull(postedMessages.ts)));
      return row && { ...row, ts: row.ts!, role: row.role as MessageRole };
    },
    async save(message) {
      await db
        .insert(postedMessages)
        .values(message)
        .onConflictDoUpdate({ target: [postedMessages.subject, postedMessages.role], set: { channel: message.channel, ts: message.ts, linesPosted: message.linesPosted } });
    },
    async setLinesPosted(subject, role, lines) {
      await db.update(postedMessages).set({ linesPosted: lines }).where(where(subject, role));
    },
  };
}
