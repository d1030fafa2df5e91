import type { ChangeCountRepository } from '../../domain/api-tokens.ts';
import type { Database } from '../client.ts';
import { changeCounts } from '../schema.ts';

export function changeCountRepository(db: Database): ChangeCountRepository {
  // Read for nearly every API request: prepared once, not built each time.
  const all = db.select().from(changeCounts).prepare('change_counts');
  return {
    async read() {
      const rows = await all.execute();
      const count = (subject: string) => rows.find((r) => r.subject === subject)?.changes ?? 0;
      return { requests: count('requests'), tokens: count('tokens') };
    },
  };
}
