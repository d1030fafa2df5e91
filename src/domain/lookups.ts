import { NotFoundError } from './errors.ts';
import { command, msg } from './message.ts';
import { formatId } from './ids.ts';
import type { Repositories } from './ports.ts';
import type { ChangeRequest, DeploymentRequest, Environment, Instance } from './types.ts';

/** Finding the records the services act on; what is not there is refused with where to look. */

export async function findEnvironment(repos: Repositories, name: string): Promise<Environment> {
  const env = await repos.environments.byName(name);
  if (env) return env;
  const names = (await repos.environments.list()).map((e) => e.name).join(', ');
  throw new NotFoundError(`Environment "${name}"`, `Environments: ${names}.`);
}

export async function findInstance(repos: Repositories, name: string): Promise<Instance> {
  const instance = await repos.instances.byName(name);
  if (instance) return instance;
  const names = (await repos.instances.list()).map((i) => i.name).join(', ');
  throw new NotFoundError(`Instance "${name}"`, `Instances: ${names}.`);
}

export async function environmentOf(repos: Repositories, instance: Instance): Promise<Environment> {
  const env = await repos.environments.byId(instance.environmentId);
  if (!env) throw new Error(`instance ${instance.name} has no environment`);
  return env;
}

export async function findRequest(repos: Repositories, id: number): Promise<DeploymentRequest> {
  const request = await repos.requests.byId(id);
  if (request) return request;
  throw new NotFoundError(formatId('request', id), msg`See ${command('queue')} for the requests waiting in each environment.`);
}

export async function findChangeRequest(repos: Repositories, id: number): Promise<ChangeRequest> {
  const cr = await repos.changeRequests.byId(id);
  if (cr) return cr;
  throw new NotFoundError(formatId('changeRequest', id), msg`See ${command('cr list')} for the change requests.`);
}

export async function productionOf(repos: Repositories): Promise<Environment> {
  const production = (await repos.environments.list()).find((e) => e.kind === 'production');
  if (!production) throw new Error('the pipeline has no production environment');
  return production;
}

/** A request with its target environment and its source and target instances. */
export async function requestContext(repos: Repositories, requestId: number) {
  const request = await findRequest(repos, requestId);
  const [env, target, source] = await Promise.all([
    repos.environments.byId(request.targetEnvironmentId),
    repos.instances.byId(request.targetInstanceId),
    repos.instances.byId(request.sourceInstanceId),
  ]);
  if (!env || !target || !source) throw new Error(`request ${requestId} refers to missing rows`);
  return { request, env, target, source };
}
