import { DomainError, NotFoundError } from './errors.ts';
import { formatId } from './ids.ts';
import type { Actor, Clock, LogSink, Repositories, Store, UserGroupResolver } from './ports.ts';
import { assertRequestTransition } from './states.ts';
import type { ChangeRequest, DeploymentRequest, Environment, Instance, RequestState } from './types.ts';

/** Everything a domain service needs, passed in by the adapter that composes the app. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  groups: UserGroupResolver;
  sink: LogSink;
  /** Slack ids of the pipeline's admins (from the configuration). */
  admins: readonly string[];
}

export const isAdmin = (deps: ServiceDeps, user: string) => deps.admins.includes(user);

export async function audit(
  repos: Repositories,
  deps: ServiceDeps,
  actor: Actor,
  action: string,
  subject: string,
  outcome: string,
  details: Record<string, unknown> | null = null,
) {
  await repos.audit.record({ at: deps.clock.now(), actor: actor.user, via: actor.via, action, subject, outcome, details });
}

/** Runs an action; a refusal is recorded in the audit (after its transaction rolled back) and rethrown. */
export async function audited<T>(deps: ServiceDeps, actor: Actor, action: string, subject: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) {
      await audit(deps.store, deps, actor, action, subject, 'refused', { code: error.code, reason: error.message });
    }
    throw error;
  }
}

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
  throw new NotFoundError(formatId('request', id), 'See `/sandbox queue` for the requests waiting in each environment.');
}

export async function findChangeRequest(repos: Repositories, id: number): Promise<ChangeRequest> {
  const cr = await repos.changeRequests.byId(id);
  if (cr) return cr;
  throw new NotFoundError(formatId('changeRequest', id), 'See `/sandbox cr list` for the change requests.');
}

export async function productionOf(repos: Repositories): Promise<Environment> {
  const production = (await repos.environments.list()).find((e) => e.kind === 'production');
  if (!production) throw new Error('the pipeline has no production environment');
  return production;
}

/** Moves a request along its state machine, only if it is still in one of `from`; undefined when it was not. */
export function moveRequest(repos: Repositories, id: number, from: RequestState[], to: RequestState, changes: Partial<DeploymentRequest>) {
  assertRequestTransition(from, to);
  // A deployment that starts (or a request that ends) replaces its scheduled deployment: nothing is left to run later.
  const unscheduled = to === 'approved' || to === 'failed' ? {} : { scheduledAt: null, scheduledBy: null };
  return repos.requests.transition(id, from, to, { ...unscheduled, ...changes });
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
