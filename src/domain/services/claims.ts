import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { msg, person } from '../message.ts';
import { findRequest } from '../lookups.ts';
import { InvalidStateError, NotPermittedError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { describeState } from '../states.ts';
import type { DeploymentRequest } from '../types.ts';
import { assertMayApprove } from './approvals.ts';

function refuseDecided(request: DeploymentRequest, verb: string): never {
  throw new InvalidStateError(`${formatId('request', request.id)} is ${describeState(request.state)}: only a request waiting for approval can be ${verb}.`);
}

const heldBy = (request: DeploymentRequest) => msg`${formatId('request', request.id)} is held by ${person(request.claimedBy!)} since ${request.claimedAt!.toISOString()}`;

/**
 * "Assign to me": an approver takes a request waiting for their vote on, so that the others know it is looked at.
 * Others may still vote; the holder or an admin releases it. Decided by one conditional update.
 */
export async function claim(deps: ServiceDeps, actor: Actor, requestId: number): Promise<DeploymentRequest> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'claim', id, async () => {
    const request = await findRequest(deps.store, requestId);
    if (request.state !== 'pending_approval') refuseDecided(request, 'claimed');
    if (request.claimedBy === actor.user) throw new InvalidStateError(`You hold ${id} already, since ${request.claimedAt!.toISOString()}.`);
    if (request.claimedBy) throw new InvalidStateError(msg`${heldBy(request)}; they or an admin can release it first.`);
    // Only someone who could approve it may take it on: the same checks as a vote.
    await assertMayApprove(deps, actor, requestId);
    const held = await deps.store.requests.hold(requestId, null, actor.user, deps.clock.now());
    if (!held) {
      const now = await findRequest(deps.store, requestId);
      if (now.state !== 'pending_approval') refuseDecided(now, 'claimed');
      throw new InvalidStateError(msg`${heldBy(now)}; they or an admin can release it first.`);
    }
    await audit(deps.store, deps, actor, 'claim', id, 'claimed');
    return held;
  });
}

/** Releases a claim: its holder, or an admin. */
export async function unclaim(deps: ServiceDeps, actor: Actor, requestId: number): Promise<DeploymentRequest> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'unclaim', id, async () => {
    const request = await findRequest(deps.store, requestId);
    if (request.state !== 'pending_approval') refuseDecided(request, 'released');
    if (!request.claimedBy) throw new InvalidStateError(`Nobody holds ${id}: there is no claim to release.`);
    if (request.claimedBy !== actor.user && !isAdmin(deps, actor.user)) {
      throw new NotPermittedError(msg`${heldBy(request)}: only they or an admin can release it.`);
    }
    const released = await deps.store.requests.hold(requestId, request.claimedBy, null, null);
    if (!released) throw new InvalidStateError(`${id} changed meanwhile: look at its card and try again.`);
    await audit(deps.store, deps, actor, 'unclaim', id, 'released', { holder: request.claimedBy });
    return released;
  });
}
