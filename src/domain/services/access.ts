import { type ServiceDeps, isAdmin } from '../context.ts';
import { NotPermittedError } from '../errors.ts';
import { listWords, mention, mentionGroup } from '../pipeline.ts';
import type { ApprovalPolicy, Environment, Instance } from '../types.ts';

/** An instance with an owner is synced and sent by its owner or an admin; one without, by anyone. */
export function assertMayWorkOn(deps: ServiceDeps, user: string, instance: Instance, verb: string) {
  if (!instance.owner || instance.owner === user || isAdmin(deps, user)) return;
  throw new NotPermittedError(
    `You cannot ${verb} ${instance.name}: it belongs to ${mention(instance.owner)}. Ask them or an admin, or work in an instance of your own.`,
  );
}

/** Deployers of the environment and admins run its queue, its locks and its deployments. */
export function assertDeployer(deps: ServiceDeps, user: string, env: Environment, verb: string) {
  if (env.deployers.includes(user) || isAdmin(deps, user)) return;
  const who = env.deployers.length
    ? `its deployers (${listWords(env.deployers.map(mention), 'or')}) or an admin`
    : 'an admin (it has no deployers configured; add `deployers` to it in the pipeline configuration)';
  throw new NotPermittedError(`You cannot ${verb} in ${env.name}: only ${who} can.`);
}

/** Everyone allowed to vote under a policy: its approvers and the members of its user groups. */
export async function eligibleApprovers(deps: ServiceDeps, policy: ApprovalPolicy): Promise<Set<string>> {
  const members = await Promise.all(policy.userGroups.map((g) => deps.groups.members(g)));
  return new Set([...policy.approvers, ...members.flat()]);
}

export const describeApprovers = (policy: ApprovalPolicy, extra: readonly string[] = []) =>
  listWords([...policy.approvers, ...extra].map(mention).concat(policy.userGroups.map(mentionGroup)), 'or') || 'nobody';
