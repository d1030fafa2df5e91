import type { Environment, Instance } from '../../src/domain/types.ts';

/** An instance as the domain holds it, for the Block Kit builders called directly: never synced, nothing deployed. */
export const instanceRecord = (id: number, name: string, env: Environment, owner: string | null = null): Instance => ({
  id,
  name,
  environmentId: env.id,
  owner,
  parentInstanceId: null,
  syncedAt: null,
  deployedChangeHash: null,
});
