import type { ChangeCountRepository } from '../../domain/api-tokens.ts';
import type { Database } from '../client.ts';
import { changeCounts } from '../schema.ts';

export function changeCountRepository(db: Database): ChangeCountRepository {
  return {
    async read() {
      const rows = await db.select().from(changeCounts);
      const count = (subject: string) => rows.find((r) => r.subject === subject)?.changes ?? 0;
      return { requests: count('requests'), tokens: count('tokens') };
    },
  };
}
