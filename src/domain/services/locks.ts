import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { msg, person } from '../message.ts';
import { findEnvironment } from '../lookups.ts';
import { InvalidInputError, InvalidStateError } from '../errors.ts';
import type { Actor } from '../ports.ts';
import type { Environment } from '../types.ts';
import { assertDeployer } from './access.ts';

export async function lock(deps: ServiceDeps, actor: Actor, environmentName: string, reason: string): Promise<Environment> {
  return audited(deps, actor, 'lock', environmentName, async () => {
    if (!reason.trim()) throw new InvalidInputError('Say why you lock the environment: a reason is required.');
    const env = await findEnvironment(deps.store, environmentName);
    assertDeployer(deps, actor.user, env, 'lock deployments');
    return deps.store.transaction(async (tx) => {
      const current = await tx.environments.lockForDeployment(env.id);
      if (current.lock) {
        throw new InvalidStateError(msg`${env.name} is already locked by ${person(current.lock.by)} since ${current.lock.at.toISOString()}: "${current.lock.reason}".`);
      }
      const lock = { reason: reason.trim(), by: actor.user, at: deps.clock.now() };
      await tx.environments.setLock(env.id, lock);
      await audit(tx, deps, actor, 'lock', env.name, 'locked', { reason: lock.reason });
      return { ...current, lock };
    });
  });
}

export async function unlock(deps: ServiceDeps, actor: Actor, environmentName: string): Promise<Environment> {
  return audited(deps, actor, 'unlock', environmentName, async () => {
    const env = await findEnvironment(deps.store, environmentName);
    assertDeployer(deps, actor.user, env, 'unlock deployments');
    return deps.store.transaction(async (tx) => {
      const current = await tx.environments.lockForDeployment(env.id);
      if (!current.lock) throw new InvalidStateError(`${env.name} is not locked.`);
      await tx.environments.setLock(env.id, null);
      await audit(tx, deps, actor, 'unlock', env.name, 'unlocked', { was: current.lock.reason });
      return { ...current, lock: null };
    });
  });
}
