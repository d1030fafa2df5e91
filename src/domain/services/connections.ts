import type { ServiceDeps } from '../service-deps.ts';
import { findEnvironment } from '../lookups.ts';
import type { ConnectionCheck } from '../sources.ts';
import type { Environment } from '../types.ts';

export interface ConnectionTest {
  environment: Environment;
  /** Each check, with the instance whose connection it is. */
  checks: (ConnectionCheck & { instance: string })[];
}

/**
 * Tests the connections of an environment without deploying anything: the git remote of each of its instances kept
 * in git (reachable, branch present, push permitted). Nothing to test is an empty list.
 */
export async function testConnections(deps: ServiceDeps, environmentName: string): Promise<ConnectionTest> {
  const environment = await findEnvironment(deps.store, environmentName);
  const instances = (await deps.store.instances.list()).filter((i) => i.environmentId === environment.id && deps.sources?.backs(i.name));
  const checks: ConnectionTest['checks'] = [];
  for (const instance of instances) for (const check of await deps.sources!.test(instance.name)) checks.push({ instance: instance.name, ...check });
  return { environment, checks };
}
