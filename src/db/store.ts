import type { Repositories, Store } from '../domain/ports.ts';
import type { Database } from './client.ts';
import { apiTokenRepository } from './repositories/api-tokens.ts';
import { changeCountRepository } from './repositories/change-counts.ts';
import { secretRepository } from './repositories/secrets.ts';
import { auditRepository } from './repositories/audit.ts';
import { idempotencyRepository } from './repositories/idempotency.ts';
import { runStatusRepository } from './repositories/run-statuses.ts';
import { changeRequestRepository } from './repositories/change-requests.ts';
import { componentRepository } from './repositories/components.ts';
import { conflictRepository } from './repositories/conflicts.ts';
import { environmentRepository } from './repositories/environments.ts';
import { instanceRepository } from './repositories/instances.ts';
import { metricsRepository } from './repositories/metrics.ts';
import { packageRepository } from './repositories/packages.ts';
import { requestRepository } from './repositories/requests.ts';
import { runRepository } from './repositories/runs.ts';

function repositories(db: Database, processId: number | null): Repositories {
  return {
    environments: environmentRepository(db),
    instances: instanceRepository(db),
    components: componentRepository(db),
    conflicts: conflictRepository(db),
    packages: packageRepository(db),
    requests: requestRepository(db),
    changeRequests: changeRequestRepository(db),
    runs: runRepository(db, processId),
    metrics: metricsRepository(db),
    tokens: apiTokenRepository(db),
    idempotency: idempotencyRepository(db),
    runStatuses: runStatusRepository(db),
    changeCounts: changeCountRepository(db),
    secrets: secretRepository(db),
    audit: auditRepository(db),
  };
}

/**
 * The domain's Store over one database handle; transactions nest as savepoints. `processId` is this process in
 * `processes` (see processes.ts): the runs it starts are its own until it dies.
 */
export function createStore(db: Database, processId: number | null = null): Store {
  return {
    ...repositories(db, processId),
    transaction: (work) => db.transaction((tx) => work(repositories(tx as unknown as Database, processId))),
  };
}
