/**
 * One Bolt listener per kind of request, routing on its id. Bolt runs the middleware of every registered listener
 * on every request it receives, before and beside the one that matches: with a listener per button and per modal,
 * that work alone made each acknowledgement about 40% slower than a bare app's under a burst of clicks.
 */
export interface Routes<A> {
  /** Matches exactly the ids of the table, for Bolt's constraint. */
  ids: RegExp;
  /** Runs the listener of the request's id. */
  listener(args: A): Promise<void>;
}

const escaped = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function routes<A>(table: Record<string, (args: A) => Promise<void>>, idOf: (args: A) => string): Routes<A> {
  const ids = new RegExp(`^(?:${Object.keys(table).map(escaped).join('|')})$`);
  return {
    ids,
    listener: async (args) => {
      const route = table[idOf(args)];
      if (route) await route(args);
    },
  };
}
