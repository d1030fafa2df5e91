import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { command, msg } from '../message.ts';
import { environmentOf, findChangeRequest, findInstance, productionOf } from '../lookups.ts';
import { InvalidStateError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Actor, Repositories } from '../ports.ts';
import { ATTACHABLE_CHANGE_REQUEST_STATES, SYNCABLE_CHANGE_REQUEST_STATES, assertChangeRequestTransition, describeState } from '../states.ts';
import type { ChangeRequest, ChangeRequestState, DeploymentRequest, Environment, Instance } from '../types.ts';
import { assertMayWorkOn } from './access.ts';

export interface ChangeRequestSyncResult {
  changeRequest: ChangeRequest;
  instance: Instance;
  /** The change request the instance worked on before, which it no longer does. */
  replaced?: ChangeRequest;
  /** The instance that worked on this change request before, which no longer does. */
  movedFrom?: Instance;
  /** Its proposed customizations that the instance does not hold yet. */
  expected: string[];
}

function refuseUnsyncable(cr: ChangeRequest): never {
  const label = formatId('changeRequest', cr.id);
  const next: Partial<Record<ChangeRequestState, string>> = {
    draft: `submit it for approval first (${'`'}cr submit ${label}${'`'})`,
    pending_approval: 'it waits for its approvers',
    deployed: 'complete it, or create a new change request for more changes',
  };
  const hint = next[cr.state] ? `: ${next[cr.state]}` : '';
  throw new InvalidStateError(`${label} is ${describeState(cr.state)}; only an approved change request can be synced to an instance to be worked on${hint}.`);
}

/**
 * Sync CR (the governance seed): the instance works on the change request from now on; its sends carry it and its
 * proposed customizations are expected there. Never production: changes reach it only through the pipeline.
 */
export async function syncChangeRequest(deps: ServiceDeps, actor: Actor, id: number, instanceName: string): Promise<ChangeRequestSyncResult> {
  const label = formatId('changeRequest', id);
  return audited(deps, actor, 'cr sync', label, async () => {
    const found = await findChangeRequest(deps.store, id);
    const instance = await findInstance(deps.store, instanceName);
    const env = await environmentOf(deps.store, instance);
    if (env.kind === 'production') {
      throw new InvalidStateError(
        msg`${label} cannot be synced to ${instance.name}: production receives changes only through the pipeline. Sync it to a development or staging instance, work there, then ${command('send')} the changes up.`,
      );
    }
    assertMayWorkOn(deps, actor, instance, 'work on a change request in');
    if (!SYNCABLE_CHANGE_REQUEST_STATES.includes(found.state)) refuseUnsyncable(found);
    return deps.store.transaction(async (tx) => {
      const cr = (await tx.changeRequests.lockRow(id))!;
      if (!SYNCABLE_CHANGE_REQUEST_STATES.includes(cr.state)) refuseUnsyncable(cr);
      const before = await tx.changeRequests.workedIn(instance.id);
      const replaced = before && before.id !== id ? before : undefined;
      const movedFrom = cr.workedInInstanceId !== null && cr.workedInInstanceId !== instance.id ? await tx.instances.byId(cr.workedInInstanceId) : undefined;
      const now = deps.clock.now();
      await tx.changeRequests.setWorkedIn(id, { instanceId: instance.id, by: actor.user, at: now });
      if (cr.state === 'approved') await tx.changeRequests.setState(id, 'in_progress', now);
      await audit(tx, deps, actor, 'cr sync', label, 'in progress', {
        instance: instance.name,
        replaced: replaced ? formatId('changeRequest', replaced.id) : null,
        movedFrom: movedFrom?.name ?? null,
      });
      return { changeRequest: (await tx.changeRequests.byId(id))!, instance, replaced, movedFrom, expected: await notYetIn(tx, instance.id, cr) };
    });
  });
}

/**
 * The instances the actor may sync a change request to (every lower instance they may work in), refusing a change
 * request that cannot be synced now. Reads only: the Sync CR button asks before its modal opens.
 */
export async function changeRequestSyncTargets(deps: ServiceDeps, actor: Actor, id: number) {
  const cr = await findChangeRequest(deps.store, id);
  if (!SYNCABLE_CHANGE_REQUEST_STATES.includes(cr.state)) refuseUnsyncable(cr);
  const production = await productionOf(deps.store);
  const instances = (await deps.store.instances.list()).filter((i) => i.environmentId !== production.id && (!i.owner || i.owner === actor.user || isAdmin(deps, actor.user)));
  if (instances.length === 0) {
    throw new InvalidStateError(`There is no instance you may work in to sync ${formatId('changeRequest', id)} to: every sandbox instance belongs to someone else. Ask an admin for one.`);
  }
  return { changeRequest: cr, instances };
}

/** The proposed customizations of a change request that an instance does not hold yet: what is expected there. */
export async function notYetIn(repos: Repositories, instanceId: number, cr: ChangeRequest): Promise<string[]> {
  const present = await Promise.all(cr.proposedCustomizations.map((key) => repos.components.get(instanceId, key)));
  return cr.proposedCustomizations.filter((_, i) => !present[i]);
}

/** What happened to a request that carries a change request. */
export type CarrierOutcome = 'sent' | 'rejected' | 'expired' | 'failed' | 'deployed' | 'reverted';

/** The state a change request moves to when its carrying request has `outcome` in `env`; undefined: it stays. */
function followingState(cr: ChangeRequest, outcome: CarrierOutcome, env: Environment, othersWaiting: boolean): ChangeRequestState | undefined {
  const production = env.kind === 'production';
  switch (outcome) {
    case 'sent':
      return cr.state === 'approved' ? 'in_progress' : undefined;
    case 'rejected':
    case 'expired':
    case 'failed':
      return cr.state === 'in_progress' && !othersWaiting ? 'approved' : undefined;
    case 'deployed':
      return production && (cr.state === 'approved' || cr.state === 'in_progress') ? 'deployed' : undefined;
    case 'reverted':
      return production && (cr.state === 'deployed' || cr.state === 'completed') ? 'reverted' : undefined;
  }
}

/**
 * Moves the change request `request` carries along with what happened to the request (DESIGN §12), in the caller's
 * transaction, audited as done by `actor`. A deployment to production also turns its proposed keys into existing ones.
 */
export async function followCarrier(tx: Repositories, deps: ServiceDeps, actor: Actor, request: DeploymentRequest, outcome: CarrierOutcome) {
  if (request.changeRequestId === null) return;
  const cr = await tx.changeRequests.lockRow(request.changeRequestId);
  const env = await tx.environments.byId(request.targetEnvironmentId);
  if (!cr || !env) return;
  const label = formatId('changeRequest', cr.id);
  const waiting = async () =>
    (await tx.requests.withChangeRequest(cr.id)).some((r) => r.id !== request.id && ['pending_approval', 'approved', 'deploying'].includes(r.state));
  const next = followingState(cr, outcome, env, outcome === 'sent' || outcome === 'deployed' || outcome === 'reverted' ? false : await waiting());
  const details: Record<string, unknown> = { request: formatId('request', request.id), because: outcome };
  if (outcome === 'deployed' && env.kind === 'production') {
    const promoted = await tx.changeRequests.promoteProposed(cr.id, request.targetInstanceId);
    if (promoted.length) details.nowExisting = promoted;
  }
  // A second deployment to production may only turn more proposed keys into existing ones: audited all the same.
  if (!next && !details.nowExisting) return;
  if (next) {
    assertChangeRequestTransition(label, cr.state, next);
    await tx.changeRequests.setState(cr.id, next, deps.clock.now());
    // A reverted change request is no longer worked on anywhere: its instance is free for the next one.
    if (next === 'reverted') await tx.changeRequests.setWorkedIn(cr.id, null);
  }
  await audit(tx, deps, actor, 'cr follows', label, describeState(next ?? cr.state), details);
}

/** The change request an instance works on, while it can still be carried by a send (approved, in progress, deployed). */
export async function workedChangeRequest(repos: Repositories, instanceId: number): Promise<ChangeRequest | undefined> {
  const cr = await repos.changeRequests.workedIn(instanceId);
  return cr && ATTACHABLE_CHANGE_REQUEST_STATES.includes(cr.state) ? cr : undefined;
}

export interface ChangeRequestComparison {
  changeRequest: ChangeRequest;
  /** Where the work is: the instance working on it, else the first staging instance. */
  from: Instance;
  production: Instance;
  items: { key: string; proposed: boolean; state: 'same' | 'changed' | 'only here' | 'only in production' | 'in neither' }[];
}

/** `cr compare CR-3`: the change request's customizations, where it is worked on (or staging) against production. */
export async function compareChangeRequest(deps: ServiceDeps, id: number): Promise<ChangeRequestComparison> {
  const cr = await findChangeRequest(deps.store, id);
  const production = await productionOf(deps.store);
  const instances = await deps.store.instances.list();
  const productionInstance = instances.find((i) => i.environmentId === production.id);
  const environments = await deps.store.environments.list();
  const stagingIds = new Set(environments.filter((e) => e.kind === 'staging').map((e) => e.id));
  const from = instances.find((i) => i.id === cr.workedInInstanceId) ?? instances.find((i) => stagingIds.has(i.environmentId));
  const label = formatId('changeRequest', id);
  if (!productionInstance) throw new Error('the pipeline has no production instance');
  if (!from) {
    throw new InvalidStateError(msg`${label} is not worked on in any instance and the pipeline has no staging to compare: sync it to an instance first (${command(`cr sync ${label} <instance>`)}).`);
  }
  const keys = [...cr.customizations.map((key) => ({ key, proposed: false })), ...cr.proposedCustomizations.map((key) => ({ key, proposed: true }))];
  const differences = new Map((await deps.store.components.compare(from.id, productionInstance.id)).map((d) => [d.key, d.change]));
  const items = await Promise.all(
    keys.map(async ({ key, proposed }) => {
      const change = differences.get(key);
      // compare(from, production): "added" is in production only, "removed" is here only.
      if (change === 'changed') return { key, proposed, state: 'changed' as const };
      if (change === 'added') return { key, proposed, state: 'only in production' as const };
      if (change === 'removed') return { key, proposed, state: 'only here' as const };
      const present = await deps.store.components.get(productionInstance.id, key);
      return { key, proposed, state: present ? ('same' as const) : ('in neither' as const) };
    }),
  );
  return { changeRequest: cr, from, production: productionInstance, items };
}

