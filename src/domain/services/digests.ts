import type { ServiceDeps } from '../service-deps.ts';
import type { DeploymentRequest, Environment } from '../types.ts';
import { type ReminderPolicy, notVoted } from './schedules.ts';

const DAY = 24 * 3_600_000;

export interface DigestItem {
  request: DeploymentRequest;
  environment: Environment;
  /** When it expires if nobody decides (none while a deployment is scheduled). */
  expiresAt: Date | null;
  /** It expires within a day. */
  expiresSoon: boolean;
}

/** What waits for one approver's vote, oldest first. */
export interface Digest {
  approver: string;
  items: DigestItem[];
}

/**
 * The daily digest: for each approver who has requests waiting for their vote, all of them, oldest first, each with
 * when it expires (`expireAfter` ms without progress). Members of user groups are included when Slack can list them.
 */
export async function approvalDigests(deps: ServiceDeps, expireAfter: number): Promise<Digest[]> {
  const now = deps.clock.now().getTime();
  const byApprover = new Map<string, DigestItem[]>();
  for (const environment of await deps.store.environments.list()) {
    if (environment.approvals.required === 0) continue;
    for (const request of await deps.store.requests.inStates(['pending_approval'], environment.id)) {
      const expiresAt = request.scheduledAt ? null : new Date(request.updatedAt.getTime() + expireAfter);
      const item = { request, environment, expiresAt, expiresSoon: expiresAt !== null && expiresAt.getTime() - now <= DAY };
      for (const approver of (await notVoted(deps, environment, request)).waitingOn) {
        const items = byApprover.get(approver) ?? [];
        items.push(item);
        byApprover.set(approver, items);
      }
    }
  }
  return [...byApprover].map(([approver, items]) => ({ approver, items: items.sort((a, b) => a.request.createdAt.getTime() - b.request.createdAt.getTime()) }));
}

export interface Escalation {
  request: DeploymentRequest;
  environment: Environment;
  /** Who is called in: the pipeline's admins, or the environment's deployers when it has no admins. */
  calledIn: string[];
}

/**
 * Requests still waiting for approval one reminder interval after the last reminder went out: their admins are
 * called in, once per request across replicas (recorded in the database before it is returned).
 */
export async function takeDueEscalations(deps: ServiceDeps, policy: ReminderPolicy): Promise<Escalation[]> {
  if (policy.times <= 0) return [];
  const now = deps.clock.now();
  const due = policy.after + policy.times * policy.every;
  const escalations: Escalation[] = [];
  for (const environment of await deps.store.environments.list()) {
    if (environment.approvals.required === 0) continue;
    for (const request of await deps.store.requests.inStates(['pending_approval'], environment.id)) {
      if (request.escalatedAt || request.remindersSent < policy.times || now.getTime() - request.createdAt.getTime() < due) continue;
      if (!(await deps.store.requests.escalate(request.id, now))) continue;
      escalations.push({ request, environment, calledIn: deps.admins.length ? [...deps.admins] : environment.deployers });
    }
  }
  return escalations;
}
