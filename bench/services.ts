import { parsePipelineConfig } from '../src/config/load.ts';
import { applyPipelineConfig } from '../src/db/apply-config.ts';
import type { DatabaseHandle } from '../src/db/client.ts';
import { createStore } from '../src/db/store.ts';
import { createServices, type Services } from '../src/domain/services/index.ts';
import type { ServiceDeps } from '../src/domain/service-deps.ts';

/** A bench's database, migrated, with its pipeline `config` applied, and the domain services over it (`extra`: ports beyond the store). */
export async function benchServices(handle: DatabaseHandle, config: string, admins: string[], extra: Partial<ServiceDeps> = {}): Promise<Services> {
  await handle.migrate();
  await applyPipelineConfig(handle.db, parsePipelineConfig(config, 'bench config'), new Date());
  return createServices({ store: createStore(handle.db), clock: { now: () => new Date() }, sink: { line: () => {} }, groups: { members: async () => [] }, admins, ...extra });
}
