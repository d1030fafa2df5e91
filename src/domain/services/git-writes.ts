import { formatId } from '../ids.ts';
import type { Repositories } from '../ports.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { DomainError, InvalidStateError } from '../errors.ts';
import type { RunLog } from '../run-log.ts';
import type { DeploymentRequest, Instance, Run } from '../types.ts';

/**
 * What a deployment or a revert wrote into a git-backed instance becomes one commit on its branch, pushed with a
 * lease on the tip the bot last read, before the database commits (DESIGN.md section 9): a refused push throws
 * `refused(reason)`, which fails the action, and the database rolls back. Nothing happens for an instance that is
 * not kept in git. `keys`: the components written (each as the instance now holds it; a removed one is removed).
 */
async function commitToBranch(
  tx: Repositories,
  deps: ServiceDeps,
  o: { target: Instance; keys: string[]; message: string; at: Date; log?: RunLog },
  refused: (reason: string) => Error,
): Promise<void> {
  if (!deps.sources?.backs(o.target.name)) return;
  const { tip } = await tx.instances.gitRead(o.target.id);
  if (!tip) throw refused(`${o.target.name} is kept in git, but its branch has not been read yet: refresh it (sandbox refresh ${o.target.name}), then try again.`);
  const now = new Map((await tx.components.list(o.target.id)).map((c) => [c.key, c]));
  try {
    const commit = await deps.sources.write(o.target.name, {
      parent: tip,
      components: o.keys.map((key) => ({ key, content: now.get(key)?.content ?? null })),
      dependencies: Object.fromEntries([...now.values()].filter((c) => c.dependsOn.length).map((c) => [c.key, c.dependsOn])),
      message: o.message,
      at: o.at,
    });
    await tx.instances.recordGitRead(o.target.id, commit);
    o.log?.info(`Committed ${commit.slice(0, 12)} on ${o.target.name}'s branch and pushed it`);
  } catch (error) {
    if (error instanceof DomainError) throw refused(error.message);
    throw error;
  }
}

/** How a sync, resolution or revert whose push was refused is refused itself: what was not done, then why. */
const refusedAs = (what: string) => (reason: string) => new InvalidStateError(`${what}: ${reason}`);

/** A deployment's commit: the request id and message, then trailers naming the request, run, approvers and deployer. */
export async function commitDeployment(
  tx: Repositories,
  deps: ServiceDeps,
  o: { request: DeploymentRequest; target: Instance; log: RunLog; deployer: string; at: Date },
  refused: (reason: string) => Error,
): Promise<void> {
  if (!deps.sources?.backs(o.target.name)) return;
  const id = formatId('request', o.request.id);
  const keys = (await tx.packages.items(o.request.packageId)).map((item) => item.key);
  const approvers = (await tx.requests.votes(o.request.id)).filter((v) => v.decision === 'approve').map((v) => v.voter);
  const trailers = [`Sandbox-Request: ${id}`, `Sandbox-Run: ${formatId('run', o.log.run.id)}`, ...approvers.map((a) => `Approved-by: ${a}`), `Deployed-by: ${o.deployer}`];
  await commitToBranch(tx, deps, { target: o.target, keys, message: `${id}: ${o.request.message}\n\n${trailers.join('\n')}\n`, at: o.at, log: o.log }, refused);
}

/**
 * A sync's commit, when it changed the instance (`keys`: the components taken from the source): pushed inside the
 * sync's transaction, so that a refused push fails the sync and the instance stays as it was.
 */
export async function commitSync(
  tx: Repositories,
  deps: ServiceDeps,
  o: { target: Instance; source: Instance; log: RunLog; by: string; keys: string[]; at: Date },
): Promise<void> {
  if (!deps.sources?.backs(o.target.name) || o.keys.length === 0) return;
  const trailers = [`Sandbox-Run: ${formatId('run', o.log.run.id)}`, `Synced-by: ${o.by}`];
  const message = `Sync ${o.target.name} with ${o.source.name}: ${o.keys.length} ${o.keys.length === 1 ? 'component' : 'components'} taken\n\n${trailers.join('\n')}\n`;
  await commitToBranch(tx, deps, { target: o.target, keys: o.keys, message, at: o.at, log: o.log }, refusedAs(`The sync of ${o.target.name} was not done`));
}

/**
 * Taking theirs in a conflict of a git-backed instance: one commit. It has no run to be undone by; should the
 * database not take it, the branch is ahead, and the next refresh reads it in like any commit.
 */
export async function commitResolution(tx: Repositories, deps: ServiceDeps, o: { target: Instance; key: string; source: string; by: string; at: Date }): Promise<void> {
  const message = `Resolve ${o.key}: take ${o.source}'s version\n\nResolved-by: ${o.by}\n`;
  await commitToBranch(tx, deps, { target: o.target, keys: [o.key], message, at: o.at }, refusedAs(`The conflict on ${o.key} was not resolved`));
}

/** A revert's commit: the components restored, as they were before the deployment (`only` those, when given). */
export async function commitRevert(
  tx: Repositories,
  deps: ServiceDeps,
  o: { request: DeploymentRequest; target: Instance; log: RunLog; by: string; reason: string | null; only?: string[]; at: Date },
): Promise<void> {
  if (!deps.sources?.backs(o.target.name)) return;
  const id = formatId('request', o.request.id);
  const keys = o.only ?? (await tx.packages.items(o.request.packageId)).map((item) => item.key);
  const trailers = [`Sandbox-Request: ${id}`, `Sandbox-Run: ${formatId('run', o.log.run.id)}`, `Reverted-by: ${o.by}`];
  const message = `Revert ${id}${o.reason ? `: ${o.reason}` : ''}\n\n${trailers.join('\n')}\n`;
  await commitToBranch(tx, deps, { target: o.target, keys, message, at: o.at, log: o.log }, refusedAs(`The revert of ${id} was not done`));
}

/**
 * Why a deployment into a git-backed instance must wait: its branch moved outside the bot since it was last read
 * (the commits and their authors), or undefined when it did not, or the instance is not kept in git or never read.
 */
export async function branchMoved(deps: ServiceDeps, target: Instance): Promise<string | undefined> {
  if (!deps.sources?.backs(target.name)) return undefined;
  const { tip } = await deps.store.instances.gitRead(target.id);
  if (!tip) return undefined;
  const commits = await deps.sources.movedSince(target.name, tip);
  if (commits.length === 0) return undefined;
  const named = commits.slice(0, 5).map((c) => `${c.id} by ${c.author}: “${c.subject}”`).join('; ') + (commits.length > 5 ? `; and ${commits.length - 5} more` : '');
  return `${target.name}'s branch moved outside the bot since it was last read: ${commits.length} ${commits.length === 1 ? 'commit' : 'commits'} (${named}). Refresh it (sandbox refresh ${target.name}) to take them, then deploy again.`;
}

/**
 * Makes a git-backed instance's branch agree with the database again after run `run` failed or was interrupted: a
 * commit of it that was pushed before its database transaction rolled back (or the process died) is undone by one
 * more commit. Answers what was done, or why it could not be checked, for the run's log; undefined when there was
 * nothing to undo.
 */
export async function reconcileBranch(deps: ServiceDeps, target: Instance, run: Run): Promise<string | undefined> {
  if (!deps.sources?.backs(target.name)) return undefined;
  const id = formatId('run', run.id);
  try {
    const { tip } = await deps.store.instances.gitRead(target.id);
    if (!tip) return undefined;
    const undone = await deps.sources.undo(target.name, id, tip);
    if (!undone) return undefined;
    await deps.store.instances.recordGitRead(target.id, undone);
    return `${target.name}'s branch had the commit of ${id}, which the database never took: undone by ${undone.slice(0, 12)}, so that the branch and the database agree again.`;
  } catch (error) {
    return `${target.name}'s branch could not be checked against the database (${(error as Error).message}); if it holds the commit of ${id}, undo that commit by hand.`;
  }
}
