import { AsyncLocalStorage } from 'node:async_hooks';

/** What the work under way belongs to (a Slack request, an API token, a run): added to every line logged meanwhile. */
const context = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `work` with `fields` added to every log line it writes, however deep, until it ends. */
export const withLogContext = <T>(fields: Record<string, unknown>, work: () => Promise<T>): Promise<T> => context.run({ ...context.getStore(), ...fields }, work);

/** The fields of the work under way. */
export const logContext = (): Record<string, unknown> => context.getStore() ?? {};
