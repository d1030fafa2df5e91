import { commitRevert, reconcileBranch } from './git-writes.ts';
import { packageAndState, runAfterHooks, runBeforeHooks } from './hooks.ts';
import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { command, listing, msg, person } from '../message.ts';
import { findEnvironment, productionOf } from '../lookups.ts';
import { moveRequest } from '../states.ts';
import { DomainError, InvalidInputError, InvalidStateError, NotPermittedError } from '../errors.ts';
import { formatId } from '../ids.ts';
import { count } from '../pipeline.ts';
import type { Actor } from '../ports.ts';
import { startRun } from '../run-log.ts';
import { followCarrier } from './change-request-work.ts';
import type { DeploymentRequest, Environment, EnvironmentLock, Run } from '../types.ts';

/** The lock a revert sets: the reverter's reason, or a reminder to find the cause when none was given. */
export const revertLockReason = (reason?: string) => `reverted: ${reason?.trim() || 'find the cause first'}`;

export interface RevertResult {
  request: DeploymentRequest;
  run: Run;
  environment: Environment;
  restored: number;
  /** The components a selective revert restored; absent when the whole deployment was reverted. */
  only?: string[];
  /** The lock production now has: the revert's own, or one someone had set before. */
  lock: EnvironmentLock;
}

/** Only production deployments are reverted: below it, a change is undone by sending a new one. */
async function revertTarget(deps: ServiceDeps, name?: string) {
  const env = name ? await findEnvironment(deps.store, name) : await productionOf(deps.store);
  if (env.kind !== 'production') {
    throw new InvalidStateError(`Only the latest production deployment can be reverted; ${env.name} is not production. To undo a change in ${env.name}, change it back and send it again.`);
  }
  return env;
}

/** The deployment a revert of an environment (production unless named) would undo, or why there is none. */
export async function revertable(deps: ServiceDeps, environmentName?: string) {
  const env = await revertTarget(deps, environmentName);
  const latest = await deps.store.requests.latestDeployedTo(env.id);
  if (!latest) return { env, reason: `Nothing has been deployed to ${env.name} yet, so there is nothing to revert.` } as const;
  if (latest.state === 'reverted') {
    return { env, reason: `The latest deployment to ${env.name}, ${formatId('request', latest.id)}, was already reverted. Only the latest deployment can be reverted.` } as const;
  }
  return { env, request: latest } as const;
}

/** The deployment the actor may revert now, or a refusal that says why not. Reads only. */
export async function assertMayRevert(deps: ServiceDeps, actor: Actor, environmentName?: string) {
  const found = await revertable(deps, environmentName);
  if (!found.request) throw new DomainError('NOTHING_TO_REVERT', found.reason);
  const latest = found.request;
  if (latest.deployedBy !== actor.user && !isAdmin(deps, actor.user)) {
    throw new NotPermittedError(msg`Only ${person(latest.deployedBy ?? '?')}, who deployed ${formatId('request', latest.id)}, or an admin can revert it.`);
  }
  return { env: found.env, latest };
}

/**
 * The components a selective revert restores: only admins choose, and only among what the deployment changed.
 * Undefined for a whole revert.
 */
async function chosenComponents(deps: ServiceDeps, actor: Actor, latest: DeploymentRequest, only?: string[]) {
  if (only === undefined) return undefined;
  const id = formatId('request', latest.id);
  if (!isAdmin(deps, actor.user)) throw new NotPermittedError(`Only an admin can revert some components of ${id}; revert all of it instead, or ask an admin.`);
  const changed = new Set((await deps.store.packages.items(latest.packageId)).map((c) => c.key));
  const chosen = [...new Set(only)];
  const strangers = chosen.filter((key) => !changed.has(key));
  if (strangers.length) throw new InvalidInputError(msg`${listing(strangers.slice(0, 5))} ${strangers.length === 1 ? 'was' : 'were'} not changed by ${id}: ${command(`diff ${id}`)} lists what it changed.`).about('only');
  if (chosen.length === 0) throw new InvalidInputError(`Choose at least one component of ${id} to revert, or revert all of it.`).about('only');
  return chosen;
}

/**
 * Restores the state before the latest deployment of an environment (production unless named), or only the `only`
 * components of it (admins), and locks it, with `reason` as the lock's.
 */
export async function revert(deps: ServiceDeps, actor: Actor, environmentName?: string, reason?: string, only?: string[]): Promise<RevertResult> {
  return audited(deps, actor, 'revert', environmentName ?? 'production', async () => {
    const { env, latest } = await assertMayRevert(deps, actor, environmentName);
    const keys = await chosenComponents(deps, actor, latest, only);
    const id = formatId('request', latest.id);
    await runBeforeHooks(deps, env, 'beforeRevert', { request: latest.id, sees: packageAndState(latest.packageId, latest.targetInstanceId) });
    // Claimed under the request's row lock: of two Revert clicks only one starts a revert; the other is told why.
    const log = await deps.store.transaction(async (tx) => {
      const current = await tx.requests.lockRow(latest.id);
      const reverting = (await tx.runs.forRequest(latest.id)).some((r) => r.kind === 'revert' && r.status === 'running');
      if (current?.state !== 'deployed' || reverting) return undefined;
      return startRun(deps, { kind: 'revert', user: actor.user, message: `Revert ${id}`, requestId: latest.id, instanceId: latest.targetInstanceId, environmentId: env.id }, tx);
    });
    if (!log) throw new DomainError('NOTHING_TO_REVERT', `${id} is being reverted or was reverted already; nothing more was reverted.`);
    log.info(keys ? `Reverting ${count(keys.length, 'component')} of ${id} in ${env.name}: ${keys.join(', ')}` : `Reverting ${id} in ${env.name}: restoring the state before it was deployed`);
    await log.flush();
    await log.begin();
    try {
      const result = await deps.store.transaction(async (tx) => {
        await tx.environments.lockForDeployment(env.id);
        await tx.instances.lockRow(latest.targetInstanceId);
        const still = await tx.requests.latestDeployedTo(env.id);
        if (still?.id !== latest.id || still.state !== 'deployed') {
          throw new DomainError('NOTHING_TO_REVERT', `${id} is no longer the latest deployment to ${env.name}; nothing was reverted.`);
        }
        log.progress(1, 1, 'restoring the prior state');
        const restored = await tx.packages.restoreSnapshot(latest.deployRunId!, latest.targetInstanceId, keys);
        const now = deps.clock.now();
        const target = (await tx.instances.byId(latest.targetInstanceId))!;
        await commitRevert(tx, deps, { request: latest, target, log, by: actor.user, reason: reason?.trim() || null, only: keys, at: now });
        const request = await moveRequest(tx, latest.id, ['deployed'], 'reverted', { revertRunId: log.run.id, updatedAt: now });
        await tx.requests.markReverted(latest.changeHash, latest.id, now);
        // A lock someone already set stays as it is: its reason still holds.
        const lock = (await tx.environments.byId(env.id))?.lock ?? { reason: revertLockReason(reason), by: actor.user, at: now };
        await tx.environments.setLock(env.id, lock);
        await audit(tx, deps, actor, 'revert', id, 'reverted', { run: formatId('run', log.run.id), restored, reason: reason?.trim() || null, ...(keys ? { only: keys } : {}) });
        await followCarrier(tx, deps, actor, request!, 'reverted');
        return { request: request!, restored, lock };
      });
      log.info(`Restored ${count(result.restored, 'component')}`);
      log.warn(`${env.name} is locked ("${result.lock.reason}") until one of its deployers or an admin unlocks it. These changes can never be deployed again as-is.`);
      await runAfterHooks(deps, env, 'afterRevert', { request: latest.id, log, sees: packageAndState(latest.packageId, latest.targetInstanceId) });
      const run = await log.finish('succeeded', `Reverted ${id}`);
      return { request: result.request, restored: result.restored, run, environment: env, lock: result.lock, ...(keys ? { only: keys } : {}) };
    } catch (error) {
      log.error(`Revert failed: ${(error as Error).message}`);
      const target = (await deps.store.instances.byId(latest.targetInstanceId))!;
      const reconciled = await reconcileBranch(deps, target, log.run);
      if (reconciled) log.warn(reconciled);
      await log.finish('failed', (error as Error).message);
      throw error;
    }
  });
}
