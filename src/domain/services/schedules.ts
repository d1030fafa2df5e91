import { branchMoved } from './git-writes.ts';
import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { productionOf, requestContext } from '../lookups.ts';
import { DomainError, InvalidInputError, InvalidStateError } from '../errors.ts';
import { activeFreeze } from '../freezes.ts';
import { formatId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { WAITING_STATES, describeState, moveRequest } from '../states.ts';
import { describeDuration, formatUtc } from '../time.ts';
import type { DeploymentRequest, Difference, Environment, Instance } from '../types.ts';
import { assertDeployer } from './access.ts';
import { carriesEmergencyChangeRequest } from './deploy.ts';
import { followCarrier } from './change-request-work.ts';

/** When approval reminders go out: `after` the request was sent, then `every` so often, `times` in all (ms). */
export interface ReminderPolicy {
  after: number;
  every: number;
  times: number;
}

export interface Reminder {
  request: DeploymentRequest;
  environment: Environment;
  /** Which reminder this is (1 … times). */
  number: number;
  /** Approvers who have not voted; empty when only user groups or admins could still approve. */
  waitingOn: string[];
  /** User groups of the policy whose members could not be listed: they are reminded as groups. */
  groups: string[];
  approvals: number;
}

export interface DriftReport {
  environment: Environment;
  instance: Instance;
  production: Instance;
  differences: Difference[];
  /** A git-backed instance whose branch moved outside the bot since it was read: the commits, as branchMoved says. */
  branchMoved?: string;
}

const SCHEDULABLE_STATES: DeploymentRequest['state'][] = ['approved', 'failed'];

/** `/sandbox deploy DR-n at <time>`: the scheduler deploys it then, as `actor`. */
export async function scheduleDeployment(deps: ServiceDeps, actor: Actor, requestId: number, at: Date): Promise<DeploymentRequest> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'schedule', id, async () => {
    const { request, env } = await requestContext(deps.store, requestId);
    assertDeployer(deps, actor.user, env, 'schedule deployments');
    if (at.getTime() <= deps.clock.now().getTime()) throw new InvalidInputError(`${formatUtc(at)} is in the past; give a time to come.`).about('at');
    if (request.state === 'pending_approval') {
      throw new DomainError('NOT_APPROVED', `${id} is still waiting for approval in ${env.name}; it can be scheduled once approved.`);
    }
    if (!SCHEDULABLE_STATES.includes(request.state)) {
      throw new InvalidStateError(`${id} is ${describeState(request.state)}, so it cannot be scheduled for deployment.`);
    }
    const freeze = activeFreeze(env, at);
    if (freeze && !(await carriesEmergencyChangeRequest(deps.store, request))) {
      throw new DomainError('ENVIRONMENT_FROZEN', `${env.name} is frozen at ${formatUtc(at)} (“${freeze.reason}”) until ${formatUtc(freeze.until)}. Pick a time after that.`).about('at');
    }
    const planned = await deps.store.requests.plan(requestId, SCHEDULABLE_STATES, at, actor.user);
    if (!planned) throw new InvalidStateError(`${id} changed meanwhile; look at the queue and try again.`);
    await audit(deps.store, deps, actor, 'schedule', id, 'scheduled', { at: at.toISOString() });
    return planned;
  });
}

/** Cancels a scheduled deployment: its environment's deployers, an admin, or whoever scheduled it. */
export async function unscheduleDeployment(deps: ServiceDeps, actor: Actor, requestId: number): Promise<DeploymentRequest> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'unschedule', id, async () => {
    const { request, env } = await requestContext(deps.store, requestId);
    if (!request.scheduledAt) throw new InvalidStateError(`${id} has no scheduled deployment to cancel.`);
    if (request.scheduledBy !== actor.user && !isAdmin(deps, actor.user)) assertDeployer(deps, actor.user, env, 'cancel scheduled deployments');
    const cleared = await deps.store.requests.plan(requestId, [request.state], null, null);
    if (!cleared) throw new InvalidStateError(`${id} changed meanwhile; look at the queue and try again.`);
    await audit(deps.store, deps, actor, 'unschedule', id, 'cancelled', { was: request.scheduledAt.toISOString(), by: request.scheduledBy });
    return cleared;
  });
}

/**
 * Takes the scheduled deployments that are due: each is taken by exactly one process (the schedule is cleared as it
 * is taken), which then deploys it as the person who scheduled it.
 */
export async function takeDueDeployments(deps: ServiceDeps): Promise<{ requestId: number; by: string; at: Date }[]> {
  return deps.store.requests.takeDue(deps.clock.now());
}

/** Who of the policy has not voted yet; the requester is left out unless the policy lets them approve. */
export async function notVoted(deps: ServiceDeps, env: Environment, request: DeploymentRequest) {
  const voted = new Set((await deps.store.requests.votes(request.id)).map((v) => v.voter));
  const people = new Set(env.approvals.approvers);
  const groups: string[] = [];
  for (const group of env.approvals.userGroups) {
    const members = await deps.groups.members(group).catch(() => undefined);
    if (members) members.forEach((m) => people.add(m));
    else groups.push(group);
  }
  const waitingOn = [...people].filter((u) => !voted.has(u) && (u !== request.requester || env.approvals.allowSelfApproval));
  return { waitingOn, groups, approvals: [...voted].length };
}

/** How many reminders are due `elapsed` ms after the request was sent. */
const remindersDue = (policy: ReminderPolicy, elapsed: number) =>
  elapsed < policy.after ? 0 : Math.min(policy.times, 1 + Math.floor((elapsed - policy.after) / Math.max(policy.every, 1)));

/**
 * Approval reminders that are due, each counted in the database before it is returned, so that it goes out once
 * whichever replica runs the tick. After a long pause (a restart) one reminder stands for all that were missed.
 */
export async function takeDueReminders(deps: ServiceDeps, policy: ReminderPolicy): Promise<Reminder[]> {
  if (policy.times <= 0) return [];
  const now = deps.clock.now();
  const reminders: Reminder[] = [];
  for (const environment of await deps.store.environments.list()) {
    if (environment.approvals.required === 0) continue;
    for (const request of await deps.store.requests.inStates(['pending_approval'], environment.id)) {
      const due = remindersDue(policy, now.getTime() - request.createdAt.getTime());
      if (due <= request.remindersSent) continue;
      if (!(await deps.store.requests.countReminders(request.id, request.remindersSent, due))) continue;
      reminders.push({ request, environment, number: due, ...(await notVoted(deps, environment, request)) });
    }
  }
  return reminders;
}

/**
 * Requests that waited `expireAfter` ms in a queue without moving on (no approval, deployment or new attempt)
 * become `expired`; a request with a scheduled deployment waits for it. Each expires once, whoever runs the tick.
 */
export async function expireStaleRequests(deps: ServiceDeps, expireAfter: number): Promise<DeploymentRequest[]> {
  const now = deps.clock.now();
  const expired: DeploymentRequest[] = [];
  for (const request of await deps.store.requests.inStates(WAITING_STATES)) {
    if (request.scheduledAt || now.getTime() - request.updatedAt.getTime() < expireAfter) continue;
    const reason = `no progress in ${describeDuration(expireAfter)}`;
    const scheduler: Actor = { user: 'system', via: 'scheduler' };
    const moved = await deps.store.transaction(async (tx) => {
      const done = await moveRequest(tx, request.id, [request.state], 'expired', { reason, updatedAt: now });
      if (!done) return undefined;
      await audit(tx, deps, scheduler, 'expire', formatId('request', request.id), 'expired', { reason, was: request.state });
      await followCarrier(tx, deps, scheduler, done, 'expired');
      return done;
    });
    if (!moved) continue;
    expired.push(moved);
  }
  return expired;
}

/** Each staging instance compared with production; only those that differ are reported. */
export async function driftReport(deps: ServiceDeps): Promise<DriftReport[]> {
  const production = await productionOf(deps.store);
  const instances = await deps.store.instances.list();
  const productionInstance = instances.find((i) => i.environmentId === production.id);
  if (!productionInstance) return [];
  const reports: DriftReport[] = [];
  const environments = (await deps.store.environments.list()).filter((e) => e.kind === 'staging');
  for (const instance of instances) {
    const environment = environments.find((e) => e.id === instance.environmentId);
    if (!environment) continue;
    const differences = await deps.store.components.compare(productionInstance.id, instance.id);
    const moved = await branchMoved(deps, instance).catch((error: Error) => error.message);
    if (differences.length || moved) reports.push({ environment, instance, production: productionInstance, differences, ...(moved ? { branchMoved: moved } : {}) });
  }
  return reports;
}
