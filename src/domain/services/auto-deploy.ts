import type { ServiceDeps } from '../service-deps.ts';
import { activeFreeze } from '../freezes.ts';
import type { DeploymentRequest } from '../types.ts';
import { carriesEmergencyChangeRequest } from './deploy.ts';

/**
 * The request each `autoDeploy` environment deploys next: the first approved one in queue order, while nothing is
 * being deployed there, no lock holds it and no freeze is in force (an emergency change request passes a freeze as
 * it does by hand). A failed request is never among them: it waits for a person. Reads only; the deployment claims
 * the request itself, so a replica that comes second is refused and deploys nothing.
 */
export async function dueAutoDeployments(deps: ServiceDeps): Promise<DeploymentRequest[]> {
  const now = deps.clock.now();
  const due: DeploymentRequest[] = [];
  for (const env of await deps.store.environments.list()) {
    if (!env.autoDeploy || env.lock) continue;
    const queue = await deps.store.requests.inStates(['approved', 'deploying'], env.id);
    if (queue.some((r) => r.state === 'deploying')) continue;
    const next = queue.find((r) => r.state === 'approved' && !r.scheduledAt);
    if (!next) continue;
    if (activeFreeze(env, now) && !(await carriesEmergencyChangeRequest(deps.store, next))) continue;
    due.push(next);
  }
  return due;
}
