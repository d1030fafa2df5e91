import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { msg, person } from '../message.ts';
import { findRequest, requestContext } from '../lookups.ts';
import { DomainError, InvalidInputError, InvalidStateError, NotPermittedError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { WAITING_STATES, describeState, moveRequest } from '../states.ts';
import type { DeploymentRequest, Environment } from '../types.ts';
import { describeApprovers, isApprover } from './access.ts';
import { followCarrier } from './change-request-work.ts';

export interface VoteResult {
  request: DeploymentRequest;
  approvals: number;
  required: number;
  /** True when this vote decided the request. */
  decided: boolean;
}

function refuseDecided(request: DeploymentRequest): never {
  const id = formatId('request', request.id);
  const who = request.state === 'deployed' || request.state === 'reverted' ? request.deployedBy : request.decidedBy;
  const by = who ? msg` (${request.state === 'reverted' ? 'deployed' : describeState(request.state)} by ${person(who)})` : '';
  throw new InvalidStateError(msg`${id} is already ${describeState(request.state)}${by}; votes after a decision are not recorded.`);
}

/** Refuses an approval the actor may not give: the request is decided, it is their own, or they are no approver. Reads only. */
export async function assertMayApprove(deps: ServiceDeps, actor: Actor, requestId: number) {
  const id = formatId('request', requestId);
  // Approvals stay with people: no token may vote, whatever its scopes.
  if (actor.via === 'api') throw new NotPermittedError(`${id} cannot be approved through the API: approvals stay with people, in Slack or on the command line.`);
  // The request and its environment are all a vote needs (not its instances, as requestContext would read).
  const current = await findRequest(deps.store, requestId);
  const env = await deps.store.environments.byId(current.targetEnvironmentId);
  if (!env) throw new Error(`request ${requestId} refers to a missing environment`);
  if (current.state !== 'pending_approval') refuseDecided(current);
  if (current.requester === actor.user && !env.approvals.allowSelfApproval) {
    throw new DomainError('SELF_APPROVAL', msg`You sent ${id}, so you cannot approve it: another approver has to. Ask ${describeApprovers(env.approvals, [], actor.user)}.`);
  }
  if (!isAdmin(deps, actor.user) && !(await isApprover(deps, env.approvals, actor.user))) {
    throw new NotPermittedError(msg`You are not an approver of ${env.name}. ${id} can be approved by ${describeApprovers(env.approvals, [], current.requester)}.`);
  }
  return { request: current, env };
}

export async function approve(deps: ServiceDeps, actor: Actor, requestId: number): Promise<VoteResult> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'approve', id, async () => {
    const { env } = await assertMayApprove(deps, actor, requestId);
    return deps.store.transaction(async (tx) => {
      // The row lock makes concurrent votes count one at a time: exactly one of them decides.
      const request = (await tx.requests.lockRow(requestId))!;
      if (request.state !== 'pending_approval') refuseDecided(request);
      const now = deps.clock.now();
      if (!(await tx.requests.addVote(requestId, { voter: actor.user, decision: 'approve', reason: null, at: now }))) {
        throw new DomainError('ALREADY_VOTED', `You already voted on ${id}; each approver votes once.`);
      }
      const approvals = (await tx.requests.votes(requestId)).filter((v) => v.decision === 'approve').length;
      const required = env.approvals.required;
      const decided = approvals >= required;
      const updated = decided
        ? await moveRequest(tx, requestId, ['pending_approval'], 'approved', { decidedBy: actor.user, approvedAt: now, updatedAt: now })
        : request;
      await audit(tx, deps, actor, 'approve', id, decided ? 'approved' : 'vote recorded', { approvals, required });
      return { request: updated ?? request, approvals, required, decided };
    });
  });
}

/**
 * Who may reject: an approver while the request awaits approval, a deployer of its environment from the queue,
 * an admin, or its requester withdrawing it. Refuses everyone else and decided requests. Reads only.
 */
export async function assertMayReject(deps: ServiceDeps, actor: Actor, requestId: number) {
  const { request, env } = await requestContext(deps.store, requestId);
  const user = actor.user;
  const otherwiseAllowed = env.deployers.includes(user) || isAdmin(deps, user) || request.requester === user;
  // Deployers, admins and the requester may reject even when user groups cannot be resolved.
  const approver = await isApprover(deps, env.approvals, user).catch((error) => {
    if (otherwiseAllowed) return false;
    throw error;
  });
  rejectionRole(deps, actor, request, env, approver);
  return { request, env, approver };
}

function rejectionRole(deps: ServiceDeps, actor: Actor, request: DeploymentRequest, env: Environment, approver: boolean) {
  const id = formatId('request', request.id);
  if (!WAITING_STATES.includes(request.state)) refuseDecided(request);
  const user = actor.user;
  const allowed = (request.state === 'pending_approval' && approver) || env.deployers.includes(user) || isAdmin(deps, user) || request.requester === user;
  if (!allowed) {
    throw new NotPermittedError(`You cannot reject ${id}: only its approvers (while it awaits approval), ${env.name}'s deployers, an admin or its requester can.`);
  }
}

/**
 * Rejects a request: an approver while it awaits approval, a deployer of its environment from the queue,
 * or its requester withdrawing it. One rejection ends the request.
 */
export async function reject(deps: ServiceDeps, actor: Actor, requestId: number, reason: string): Promise<DeploymentRequest> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'reject', id, async () => {
    if (!reason.trim()) throw new InvalidInputError(`Say why you reject ${id}: a reason is required.`).about('reason');
    const { env, approver } = await assertMayReject(deps, actor, requestId);
    return deps.store.transaction(async (tx) => {
      const request = (await tx.requests.lockRow(requestId))!;
      rejectionRole(deps, actor, request, env, approver);
      const asApprover = request.state === 'pending_approval' && approver;
      const user = actor.user;
      const now = deps.clock.now();
      if (asApprover) await tx.requests.addVote(requestId, { voter: user, decision: 'reject', reason, at: now });
      const updated = await moveRequest(tx, requestId, [request.state], 'rejected', { decidedBy: user, reason, updatedAt: now });
      await audit(tx, deps, actor, 'reject', id, 'rejected', { reason });
      await followCarrier(tx, deps, actor, updated!, 'rejected');
      return updated!;
    });
  });
}
