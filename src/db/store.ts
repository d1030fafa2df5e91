import type { Repositories, Store } from '../domain/ports.ts';
import type { Database } from './client.ts';
import { changeRequestRepository } from './repositories/change-requests.ts';
import { componentRepository } from './repositories/components.ts';
import { environmentRepository } from './repositories/environments.ts';
import { instanceRepository } from './repositories/instances.ts';
import { packageRepository } from './repositories/packages.ts';
import { requestRepository } from './repositories/requests.ts';
import { auditRepository, runRepository } from './repositories/runs.ts';

function repositories(db: Database): Repositories {
  return {
    environments: environmentRepository(db),
    instances: instanceRepository(db),
    components: componentRepository(db),
    packages: packageRepository(db),
    requests: requestRepository(db),
    changeRequests: changeRequestRepository(db),
    runs: runRepository(db),
    audit: auditRepository(db),
  };
}

/** The domain's Store over one database handle; transactions nest as savepoints. */
export function createStore(db: Database): Store {
  return {
    ...repositories(db),
    transaction: (work) => db.transaction((tx) => work(repositories(tx as unknown as Database))),
  };
}
