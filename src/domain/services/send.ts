import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { command, listing, type Message, msg, person } from '../message.ts';
import { environmentOf, findChangeRequest, findInstance } from '../lookups.ts';
import { DomainError, InvalidInputError, InvalidStateError } from '../errors.ts';
import { changeSetHash } from '../hash.ts';
import { formatId } from '../ids.ts';
import { count, firstKeys, nextEnvironmentUp, sendLabel, targetInstanceFor } from '../pipeline.ts';
import type { Actor, Repositories } from '../ports.ts';
import { ATTACHABLE_CHANGE_REQUEST_STATES, describeState, moveRequest } from '../states.ts';
import type { Change, ChangeRequest, ChangeSummary, DeploymentRequest, Environment, Instance } from '../types.ts';
import { assertMayWorkOn } from './access.ts';
import { packageDiffs } from './diffs.ts';
import { refreshIfKeptInGit } from './refresh.ts';
import { chosenKeys, type SendSelection } from './send-selection.ts';
import { followCarrier, workedChangeRequest } from './change-request-work.ts';

export interface SendInput extends SendSelection {
  instance: string;
  message: string;
  changeRequestId?: number;
  /** The user saw the drift warning and sends anyway. */
  confirmDrift?: boolean;
}

export interface SendResult {
  request: DeploymentRequest;
  target: Environment;
  targetInstance: Instance;
  summary: ChangeSummary;
  warnings: Message[];
}

export const summarize = (changes: readonly Change[]): ChangeSummary => ({
  added: changes.filter((c) => c.action === 'add').length,
  modified: changes.filter((c) => c.action === 'modify').length,
  deleted: changes.filter((c) => c.action === 'delete').length,
});

/** Where a send from `instanceName` goes, and whether that target drifted since the instance's last sync. */
/** `actor`: refused before anything else is read when they may not send the instance. */
async function sendTarget(deps: ServiceDeps, instanceName: string, actor?: Actor) {
  const instance = await findInstance(deps.store, instanceName);
  if (actor) assertMayWorkOn(deps, actor, instance, 'send');
  const environments = await deps.store.environments.list();
  // The pipeline is read whole anyway: the instance's environment is in it (one query fewer than its own lookup).
  const env = environments.find((e) => e.id === instance.environmentId) ?? (await environmentOf(deps.store, instance));
  const target = nextEnvironmentUp(environments, env);
  if (!target) {
    throw new InvalidStateError(`${instance.name} is in ${env.name}, the top of the pipeline: there is nowhere to send it.`);
  }
  const targetInstance = targetInstanceFor(instance, (await deps.store.instances.list()).filter((i) => i.environmentId === target.id));
  if (!targetInstance) throw new InvalidStateError(`${target.name} has no instance to receive changes. Add one in the pipeline configuration.`);
  const drifted = await deps.store.components.parentDrifted(instance.id, targetInstance.id);
  return { instance, env, target, targetInstance, drifted };
}

/**
 * What a send from `instanceName` would do: target, label, changes and drift; `actor` must be allowed to send it.
 * Reads only. Changes a send would refuse as they are (reverted before, already waiting in a queue, already deployed)
 * are refused here already, before any form is filled.
 */
export async function sendPreview(deps: ServiceDeps, instanceName: string, actor?: Actor) {
  // The changes listed are those of the branch now: what was just pushed is there to be chosen.
  if (actor) await refreshIfKeptInGit(deps, actor, [(await findInstance(deps.store, instanceName)).name]);
  const where = await sendTarget(deps, instanceName, actor);
  const changes = await deps.store.components.changes(where.instance.id);
  if (changes.length) await refuseRepeats(deps.store, where.instance, changeSetHash(changes), where.target);
  const workedOn = await workedChangeRequest(deps.store, where.instance.id);
  const conflicts = await unresolvedConflicts(deps.store, where.instance.id, changes);
  return { ...where, label: sendLabel(where.target), changes, summary: summarize(changes), workedOn, conflicts };
}

export async function send(deps: ServiceDeps, actor: Actor, input: SendInput): Promise<SendResult> {
  return audited(deps, actor, 'send', input.instance, async () => {
    const message = input.message.trim();
    if (!message) throw new InvalidInputError('A deployment message is required: say what the changes do.').about('message');
    const named = await findInstance(deps.store, input.instance);
    assertMayWorkOn(deps, actor, named, 'send');
    // What a git-backed instance holds is its branch: read it before the package is made.
    await refreshIfKeptInGit(deps, actor, [named.name]);
    const { instance, target, targetInstance, drifted } = await sendTarget(deps, input.instance);
    // The change request the instance works on (Sync CR) travels with its sends unless another is named.
    const changeRequest = await attachableChangeRequest(deps, target, input.changeRequestId ?? (await workedChangeRequest(deps.store, instance.id))?.id);
    const warnings: Message[] = drifted ? [[`${targetInstance.name} has changed since your last sync; sent anyway as you confirmed.`]] : [];
    const sent = await deps.store.transaction(async (tx) => {
      // Read again under the lock: a deployment from this instance may have just settled it (Idle).
      const current = await tx.instances.lockRow(instance.id);
      const keys = await chosenKeys(tx, instance, input);
      const pkg = await tx.packages.createFromProject(instance.id, targetInstance.id, deps.clock.now(), keys);
      const items = await tx.packages.items(pkg.id);
      if (items.length === 0) {
        throw new DomainError('NOTHING_TO_SEND', `${instance.name} has no changes to send: it matches its baseline. Change some components first.`);
      }
      const changeHash = changeSetHash(items);
      await tx.packages.setChangeHash(pkg.id, changeHash);
      await refuseRepeats(tx, current, changeHash, target);
      for (const old of await supersedeFailed(tx, deps, actor, instance, target)) {
        warnings.push(msg`${formatId('request', old.id)}, whose deployment failed, is replaced by this request, which carries all of ${instance.name}'s changes.`);
      }
      // Asked only once the change set is known to be new: confirming must never lead to a refusal for nothing new.
      if (drifted && !input.confirmDrift) {
        throw new DomainError(
          'DRIFT_NOT_CONFIRMED',
          `${targetInstance.name} has changed since ${instance.name} last synced with it, so your changes may conflict there. Sync first (recommended), or confirm that you send anyway.`,
        ).about('confirmDrift');
      }
      const missing = await tx.packages.missingDependencies(pkg.id, targetInstance.id);
      for (const { key, missing: dependency } of missing) {
        warnings.push(msg`${key} depends on ${dependency}, which ${targetInstance.name} will not have: deploying will be refused until it does.`);
      }
      // A selective send that leaves out a changed dependency of what it carries (unless already missing above).
      for (const { key, missing: dependency } of keys ? await tx.packages.leftOutDependencies(pkg.id, instance.id) : []) {
        if (!missing.some((m) => m.key === key && m.missing === dependency)) warnings.push(msg`${key} depends on ${dependency}, which ${instance.name} changed but this send leaves out.`);
      }
      const outside = changeRequest ? outsideChangeRequest(changeRequest, items) : [];
      if (outside.length) {
        warnings.push([`${count(outside.length, 'component')} outside the customizations of ${formatId('changeRequest', changeRequest!.id)}: ${firstKeys(outside)}.`]);
      }
      const conflicts = await unresolvedConflicts(tx, instance.id, items);
      if (conflicts.length) warnings.push(conflictWarning(instance, conflicts));
      const shortfall = approvalShortfall(target, actor.user);
      if (shortfall) warnings.push(shortfall);
      const now = deps.clock.now();
      const request = await tx.requests.create({
        packageId: pkg.id,
        changeHash,
        sourceInstanceId: instance.id,
        targetInstanceId: targetInstance.id,
        targetEnvironmentId: target.id,
        requester: actor.user,
        message,
        state: target.approvals.required > 0 ? 'pending_approval' : 'approved',
        changeRequestId: changeRequest?.id ?? null,
        createdAt: now,
        updatedAt: now,
        decidedBy: null,
        reason: null,
        deployedBy: null,
        deployedAt: null,
        deployRunId: null,
        revertRunId: null,
        approvedAt: target.approvals.required > 0 ? null : now,
        warnings,
      });
      if (!request) throw alreadyQueued(instance, target, await tx.requests.activeFor(instance.id, changeHash));
      await followCarrier(tx, deps, actor, request, 'sent');
      await audit(tx, deps, actor, 'send', formatId('request', request.id), request.state, {
        instance: instance.name,
        target: target.name,
        items: items.length,
        changeRequest: changeRequest ? formatId('changeRequest', changeRequest.id) : null,
      });
      return { request, target, targetInstance, summary: summarize(items), warnings };
    });
    // The diffs are drawn now, once, so that approvers and reports read them. Should that fail, the first to look
    // draws them instead: the request is sent either way.
    await packageDiffs(deps, sent.request.packageId).catch(() => undefined);
    return sent;
  });
}

async function attachableChangeRequest(deps: ServiceDeps, target: Environment, id: number | undefined) {
  if (id === undefined) {
    if (!target.approvals.requireChangeRequest) return undefined;
    throw new DomainError(
      'CHANGE_REQUEST_REQUIRED',
      msg`${target.name} requires an approved change request with every send. Attach one to the send (see ${command('cr list')}), or create one with ${command('cr new')}.`,
    ).about('changeRequest');
  }
  const cr = await findChangeRequest(deps.store, id).catch((error) => {
    throw error instanceof DomainError ? error.about('changeRequest') : error;
  });
  if (!ATTACHABLE_CHANGE_REQUEST_STATES.includes(cr.state)) {
    throw new DomainError(
      'CHANGE_REQUEST_REQUIRED',
      `${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}; only an approved change request that is not yet completed can be attached. ${cr.state === 'draft' ? 'Submit it for approval first.' : 'Use another change request.'}`,
    ).about('changeRequest');
  }
  return cr;
}

/** The keys among `changes` with sync conflicts nobody resolved: a send takes their local versions. */
async function unresolvedConflicts(repos: Repositories, instanceId: number, changes: readonly { key: string }[]): Promise<string[]> {
  const keys = new Set(changes.map((c) => c.key));
  return (await repos.conflicts.open(instanceId)).map((c) => c.key).filter((key) => keys.has(key));
}

export const conflictWarning = (instance: Instance, keys: string[]): Message =>
  msg`${count(keys.length, 'component')} with unresolved sync conflicts (${firstKeys(keys)}): your local versions are sent. ${command(`resolve ${instance.name} <component> --keep theirs`)} takes the synced version instead.`;

async function refuseRepeats(tx: Repositories, instance: Instance, changeHash: string, target: Environment) {
  if (await tx.requests.isReverted(changeHash)) {
    throw new DomainError(
      'REVERTED_AS_IS',
      'These changes were deployed and then reverted: a reverted project cannot be redeployed as-is; make more changes and send again.',
    );
  }
  const queued = await tx.requests.activeFor(instance.id, changeHash);
  if (queued && queued.state !== 'failed') throw alreadyQueued(instance, target, queued);
  if (instance.deployedChangeHash === changeHash) {
    throw new DomainError(
      'NOTHING_TO_SEND',
      `These changes were already deployed from ${instance.name}: sending is disabled until new changes are available.`,
    );
  }
}

/** The keys of a package that its change request does not name (none when the change request names no customization). */
function outsideChangeRequest(cr: ChangeRequest, items: readonly { key: string }[]): string[] {
  const named = new Set([...cr.customizations, ...cr.proposedCustomizations]);
  return named.size ? items.map((i) => i.key).filter((key) => !named.has(key)) : [];
}

/** A warning when the target's named approvers, the sender left out, are too few to approve without an admin. */
function approvalShortfall(target: Environment, sender: string): Message | undefined {
  const { required, approvers, userGroups, allowSelfApproval } = target.approvals;
  const others = approvers.filter((a) => allowSelfApproval || a !== sender);
  if (required === 0 || userGroups.length > 0 || others.length >= required) return undefined;
  return msg`${target.name} needs ${count(required, 'approval')}, and you may not approve your own request: ${others.length ? msg`only ${listing(others.map(person))} can vote besides you,` : 'no other approver is named,'} so an admin will have to approve it.`;
}

/**
 * A send carries every change of its instance, so it replaces the instance's failed requests (typically sent
 * again after a sync that fixed their conflicts). Pending and approved ones stay: they can still be deployed.
 */
async function supersedeFailed(tx: Repositories, deps: ServiceDeps, actor: Actor, instance: Instance, target: Environment) {
  const waiting = (await tx.requests.inStates(['failed'], target.id)).filter((r) => r.sourceInstanceId === instance.id);
  const reason = 'superseded: a newer send from the same instance replaces it';
  const superseded: DeploymentRequest[] = [];
  for (const old of waiting) {
    // A deployment may have claimed it meanwhile: then it is not replaced.
    const moved = await moveRequest(tx, old.id, ['failed'], 'rejected', { decidedBy: actor.user, reason, updatedAt: deps.clock.now() });
    if (!moved) continue;
    await audit(tx, deps, actor, 'supersede', formatId('request', old.id), 'rejected', { reason });
    await followCarrier(tx, deps, actor, moved, 'rejected');
    superseded.push(moved);
  }
  return superseded;
}

function alreadyQueued(instance: Instance, target: Environment, queued: DeploymentRequest | undefined) {
  const which = queued ? `${formatId('request', queued.id)} already` : 'A request already';
  return new DomainError(
    'ALREADY_QUEUED',
    `${which} waits in ${target.name}'s deployment queue with these same changes from ${instance.name}: sending is disabled until new changes are available.`,
  );
}
