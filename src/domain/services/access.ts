import { type ServiceDeps, isAdmin } from '../service-deps.ts';
import { group as groupPart, listing, type Message, msg, person } from '../message.ts';
import { DomainError, NotPermittedError } from '../errors.ts';
import { grants } from '../api-tokens.ts';
import type { Actor } from '../ports.ts';
import type { ApprovalPolicy, Environment, Instance } from '../types.ts';

/**
 * An instance with an owner is synced and sent by its owner or an admin; one without, by anyone. Through the API, a
 * token works on the instances its patterns name, whoever owns them, and on no other.
 */
export function assertMayWorkOn(deps: ServiceDeps, actor: Actor, instance: Instance, verb: string) {
  if (actor.via === 'api') {
    if (grants(actor.instances ?? [], instance.name)) return;
    throw new NotPermittedError(`The token ${actor.user.replace(/^api:/, '')} cannot ${verb} ${instance.name}: its instances are ${(actor.instances ?? []).join(', ') || 'none'}. Make a token for it, or use one that covers it.`);
  }
  const user = actor.user;
  if (!instance.owner || instance.owner === user || isAdmin(deps, user)) return;
  throw new NotPermittedError(
    msg`You cannot ${verb} ${instance.name}: it belongs to ${person(instance.owner)}. Ask them or an admin, or work in an instance of your own.`,
  );
}

/** The scheduler acting on its own: who deploys the requests of an environment with `autoDeploy`, and reads branches. */
export const SCHEDULER: Actor = { user: 'scheduler', via: 'scheduler' };
export const AUTO_DEPLOYER = SCHEDULER;

export const isAutoDeployment = (actor: Actor, env: Environment) => env.autoDeploy && actor.user === AUTO_DEPLOYER.user && actor.via === AUTO_DEPLOYER.via;

/** Deployers of the environment and admins run its queue, its locks and its deployments. */
export function assertDeployer(deps: ServiceDeps, user: string, env: Environment, verb: string) {
  if (env.deployers.includes(user) || isAdmin(deps, user)) return;
  const who = env.deployers.length
    ? msg`its deployers (${listing(env.deployers.map(person), 'or')}) or an admin`
    : 'an admin (it has no deployers configured; add `deployers` to it in the pipeline configuration)';
  throw new NotPermittedError(msg`You cannot ${verb} in ${env.name}: only ${who} can.`);
}

/**
 * Whether a user may vote under a policy: named approvers first, then the members of its user groups, which are
 * resolved only when needed. A group that cannot be resolved is a refusal that says why.
 */
export async function isApprover(deps: ServiceDeps, policy: ApprovalPolicy, user: string): Promise<boolean> {
  if (policy.approvers.includes(user)) return true;
  for (const group of policy.userGroups) {
    let members: string[];
    try {
      members = await deps.groups.members(group);
    } catch (error) {
      throw new DomainError(
        'GROUP_UNRESOLVED',
        msg`Could not check whether you belong to the user group ${groupPart(group)}: ${(error as Error).message}. Ask ${listing([...policy.approvers.map(person), 'an admin'], 'or')} to vote instead.`,
      );
    }
    if (members.includes(user)) return true;
  }
  return false;
}

/** Who can vote under a policy, as a sentence fragment; `except` (e.g. the requester) is left out. */
export function describeApprovers(policy: ApprovalPolicy, extra: readonly string[] = [], except?: string): Message {
  const people = [...new Set([...policy.approvers, ...extra])].filter((u) => u !== except).map(person);
  return listing([...people, ...policy.userGroups.map(groupPart), 'an admin'], 'or');
}
