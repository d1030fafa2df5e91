import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { msg, person } from '../message.ts';
import { findChangeRequest, productionOf } from '../lookups.ts';
import { DomainError, InvalidInputError, InvalidStateError, NotPermittedError } from '../errors.ts';
import { formatId, USER_ID } from '../ids.ts';
import type { Actor, Repositories } from '../ports.ts';
import { assertChangeRequestTransition, describeState } from '../states.ts';
import type { ApprovalPolicy, ChangeRequest, ChangeRequestType, DeploymentRequest, Environment, Instance, Vote } from '../types.ts';
import { describeApprovers, isApprover } from './access.ts';
import { isComponentKey } from './components.ts';

export const CHANGE_REQUEST_TYPES: ChangeRequestType[] = ['standard', 'normal', 'emergency'];

export interface NewChangeRequest {
  name: string;
  type: string;
  overview: string;
  customizations?: string[];
  additionalApprovers?: string[];
}

export interface ChangeRequestDetails {
  changeRequest: ChangeRequest;
  votes: Vote[];
  requests: DeploymentRequest[];
  /** Production, whose approval policy (with the additional approvers) decides the change request. */
  production: Environment;
  /** The instance working on it (Sync CR), if any. */
  workedIn?: Instance;
}

export async function createChangeRequest(deps: ServiceDeps, actor: Actor, input: NewChangeRequest): Promise<ChangeRequest> {
  return audited(deps, actor, 'cr new', input.name, async () => {
    const name = input.name.trim();
    const overview = input.overview.trim();
    if (!name) throw new InvalidInputError('A change request needs a name.').about('name');
    if (!overview) throw new InvalidInputError('A change request needs an overview: say what changes and why.').about('overview');
    if (!CHANGE_REQUEST_TYPES.includes(input.type as ChangeRequestType)) {
      throw new InvalidInputError(`"${input.type}" is not a change type. Use one of: ${CHANGE_REQUEST_TYPES.join(', ')}.`).about('type');
    }
    const keys = [...new Set((input.customizations ?? []).map((k) => k.trim()).filter(Boolean))];
    const malformed = keys.filter((k) => !isComponentKey(k));
    if (malformed.length) throw new InvalidInputError(`Customizations are component keys of the form Type/Name; not: ${malformed.join(', ')}.`).about('customizations');
    const production = await productionOf(deps.store);
    const additionalApprovers = [...new Set((input.additionalApprovers ?? []).map((a) => a.trim()).filter(Boolean))];
    const notUsers = additionalApprovers.filter((a) => !USER_ID.test(a));
    if (notUsers.length) throw new InvalidInputError(`Additional approvers are Slack user ids such as U0CAROL; not: ${notUsers.join(', ')}.`).about('approvers');
    if (additionalApprovers.includes(actor.user) && !production.approvals.allowSelfApproval) {
      throw new InvalidInputError('You cannot be an additional approver of your own change request: nobody may approve their own. Name someone else.').about('approvers');
    }
    const [productionInstance] = (await deps.store.instances.list()).filter((i) => i.environmentId === production.id);
    const existing: string[] = [];
    const proposed: string[] = [];
    for (const key of keys) {
      const found = productionInstance && (await deps.store.components.get(productionInstance.id, key));
      (found ? existing : proposed).push(key);
    }
    return deps.store.transaction(async (tx) => {
      const now = deps.clock.now();
      const cr = await tx.changeRequests.create({
        name,
        type: input.type as ChangeRequestType,
        overview,
        customizations: existing,
        proposedCustomizations: proposed,
        additionalApprovers,
        state: 'draft',
        createdBy: actor.user,
        createdAt: now,
        updatedAt: now,
        rejectionReason: null,
      });
      await audit(tx, deps, actor, 'cr new', formatId('changeRequest', cr.id), 'draft', { name, type: cr.type });
      return cr;
    });
  });
}

function assertOwnerOrAdmin(deps: ServiceDeps, user: string, cr: ChangeRequest, verb: string) {
  if (cr.createdBy === user || isAdmin(deps, user)) return;
  throw new NotPermittedError(msg`Only ${person(cr.createdBy)}, who created ${formatId('changeRequest', cr.id)}, or an admin can ${verb} it.`);
}

async function transitionAudited(
  deps: ServiceDeps,
  actor: Actor,
  action: string,
  id: number,
  decide: (tx: Repositories, cr: ChangeRequest) => Promise<ChangeRequest['state']>,
  options: { rejectionReason?: string; precheck?: (cr: ChangeRequest) => Promise<void> } = {},
): Promise<ChangeRequest> {
  const label = formatId('changeRequest', id);
  const { rejectionReason, precheck } = options;
  return audited(deps, actor, action, label, async () => {
    // Checks that may ask Slack (user groups) run before the transaction, so no row stays locked meanwhile.
    const found = await findChangeRequest(deps.store, id);
    await precheck?.(found);
    return deps.store.transaction(async (tx) => {
      const cr = (await tx.changeRequests.lockRow(id))!;
      const next = await decide(tx, cr);
      if (next !== cr.state) {
        assertChangeRequestTransition(label, cr.state, next);
        await tx.changeRequests.setState(id, next, deps.clock.now(), rejectionReason);
      }
      await audit(tx, deps, actor, action, label, next);
      return (await tx.changeRequests.byId(id))!;
    });
  });
}

export const submitChangeRequest = (deps: ServiceDeps, actor: Actor, id: number) =>
  transitionAudited(deps, actor, 'cr submit', id, async (_tx, cr) => {
    assertOwnerOrAdmin(deps, actor.user, cr, 'submit');
    if (cr.state !== 'draft') throw new InvalidStateError(`${formatId('changeRequest', id)} is ${describeState(cr.state)}; only a draft can be submitted for approval.`);
    return 'pending_approval';
  });

export const completeChangeRequest = (deps: ServiceDeps, actor: Actor, id: number) =>
  transitionAudited(deps, actor, 'cr complete', id, async (tx, cr) => {
    assertOwnerOrAdmin(deps, actor.user, cr, 'complete');
    if (cr.state === 'approved' || cr.state === 'in_progress') {
      throw new InvalidStateError(`${formatId('changeRequest', id)} is ${describeState(cr.state)}: it can be completed once a deployment carrying it has reached production.`);
    }
    // Done with: the instance that worked on it is free for the next one.
    await tx.changeRequests.setWorkedIn(id, null);
    return 'completed';
  });

/** Who votes on change requests: the production approvers (and groups), admins, and the CR's additional approvers. */
async function mayVote(deps: ServiceDeps, policy: ApprovalPolicy, cr: ChangeRequest, user: string) {
  return cr.additionalApprovers.includes(user) || isAdmin(deps, user) || (await isApprover(deps, policy, user));
}

function assertTakesVotes(cr: ChangeRequest) {
  if (cr.state !== 'pending_approval') {
    const label = formatId('changeRequest', cr.id);
    throw new InvalidStateError(`${label} is ${describeState(cr.state)}; only a change request pending approval takes votes${cr.state === 'draft' ? ' (submit it first)' : ''}.`);
  }
}

/** State first, then the self-approval rule, then (asking Slack only if needed) whether the user may vote at all. */
async function assertMayVote(deps: ServiceDeps, policy: ApprovalPolicy, cr: ChangeRequest, user: string, verb: 'approve' | 'reject') {
  assertTakesVotes(cr);
  const label = formatId('changeRequest', cr.id);
  if (verb === 'approve' && cr.createdBy === user && !policy.allowSelfApproval) {
    throw new DomainError('SELF_APPROVAL', msg`You created ${label}, so you cannot approve it: another approver has to. Ask ${describeApprovers(policy, cr.additionalApprovers, user)}.`);
  }
  if (!(await mayVote(deps, policy, cr, user))) {
    throw new NotPermittedError(msg`You are not an approver of ${label}. It can be ${verb}d by ${describeApprovers(policy, cr.additionalApprovers, cr.createdBy)}.`);
  }
}

export async function approveChangeRequest(deps: ServiceDeps, actor: Actor, id: number): Promise<ChangeRequest> {
  const policy = (await productionOf(deps.store)).approvals;
  let groupMembers = new Set<string>();
  const precheck = async (cr: ChangeRequest) => {
    await assertMayVote(deps, policy, cr, actor.user, 'approve');
    // Resolved before the transaction; only needed to tell whether an additional approver is also a policy approver.
    const lists = await Promise.all(policy.userGroups.map((g) => deps.groups.members(g).catch(() => [] as string[])));
    groupMembers = new Set(lists.flat());
  };
  // Every vote was checked when cast: a voter who is not an additional approver voted as a production approver.
  const countsForPolicy = (cr: ChangeRequest, voter: string) =>
    !cr.additionalApprovers.includes(voter) || isAdmin(deps, voter) || policy.approvers.includes(voter) || groupMembers.has(voter);
  return transitionAudited(
    deps,
    actor,
    'cr approve',
    id,
    async (tx, cr) => {
      assertTakesVotes(cr);
      if (!(await tx.changeRequests.addVote(id, { voter: actor.user, decision: 'approve', reason: null, at: deps.clock.now() }))) {
        throw new DomainError('ALREADY_VOTED', `You already voted on ${formatId('changeRequest', id)}; each approver votes once.`);
      }
      const approvedBy = new Set((await tx.changeRequests.votes(id)).filter((v) => v.decision === 'approve').map((v) => v.voter));
      const policyCount = [...approvedBy].filter((v) => countsForPolicy(cr, v)).length;
      const additionalDone = cr.additionalApprovers.every((a) => approvedBy.has(a));
      return policyCount >= policy.required && additionalDone ? 'approved' : 'pending_approval';
    },
    { precheck },
  );
}

export async function rejectChangeRequest(deps: ServiceDeps, actor: Actor, id: number, reason: string): Promise<ChangeRequest> {
  const policy = (await productionOf(deps.store)).approvals;
  const precheck = async (cr: ChangeRequest) => {
    if (!reason.trim()) throw new InvalidInputError(`Say why you reject ${formatId('changeRequest', id)}: a reason is required.`).about('reason');
    await assertMayVote(deps, policy, cr, actor.user, 'reject');
  };
  return transitionAudited(
    deps,
    actor,
    'cr reject',
    id,
    async (tx, cr) => {
      assertTakesVotes(cr);
      await tx.changeRequests.addVote(id, { voter: actor.user, decision: 'reject', reason, at: deps.clock.now() });
      return 'rejected';
    },
    { precheck, rejectionReason: reason },
  );
}

export async function changeRequestDetails(deps: ServiceDeps, id: number): Promise<ChangeRequestDetails> {
  const changeRequest = await findChangeRequest(deps.store, id);
  return {
    changeRequest,
    votes: await deps.store.changeRequests.votes(id),
    requests: await deps.store.requests.withChangeRequest(id),
    production: await productionOf(deps.store),
    workedIn: changeRequest.workedInInstanceId === null ? undefined : await deps.store.instances.byId(changeRequest.workedInInstanceId),
  };
}

/** Refuses a vote the actor may not cast on a change request, before a button asks for a reason. Reads only. */
export async function assertMayVoteOnChangeRequest(deps: ServiceDeps, actor: Actor, id: number, verb: 'approve' | 'reject') {
  const policy = (await productionOf(deps.store)).approvals;
  await assertMayVote(deps, policy, await findChangeRequest(deps.store, id), actor.user, verb);
}

export const listChangeRequests = (deps: ServiceDeps) => deps.store.changeRequests.list();
