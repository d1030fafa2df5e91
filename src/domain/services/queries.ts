import { type ServiceDeps, isAdmin } from '../service-deps.ts';
import { command, msg } from '../message.ts';
import { findEnvironment, findInstance, findRequest, requestContext } from '../lookups.ts';
import { DomainError, InvalidStateError, NotFoundError } from '../errors.ts';
import { changeSetHash } from '../hash.ts';
import { formatId, parseId } from '../ids.ts';
import type { Actor } from '../ports.ts';
import { QUEUED_STATES } from '../states.ts';
import type { AuditEvent, Change, ChangeRequest, ChangeSummary, DeploymentRequest, Difference, Environment, Instance, LogLine, ProjectState, Run, Vote } from '../types.ts';
import { isApprover } from './access.ts';
import { summarize } from './send.ts';
import { notYetIn } from './change-request-work.ts';
import { requestDiff } from './diffs.ts';
import type { ComponentDiff } from '../diff.ts';

export interface InstanceStatus {
  instance: Instance;
  parent: string | null;
  project: ProjectState | null;
  changes: ChangeSummary;
  components: number;
  /** The change request the instance works on (Sync CR), with its proposed keys the instance does not hold yet. */
  changeRequest?: { id: number; name: string; expected: string[] };
  /** Components with sync conflicts nobody resolved yet. */
  conflicts: string[];
  /** The branch of an instance kept in git, and the commit of it the instance holds (null: never read). */
  git?: { branch: string; tip: string | null };
}

export interface EnvironmentStatus {
  environment: Environment;
  instances: InstanceStatus[];
  queue: DeploymentRequest[];
}

export function projectState(env: Environment, instance: Instance, changes: readonly Change[], queued: readonly DeploymentRequest[]): ProjectState | null {
  if (env.kind === 'production') return null;
  if (changes.length === 0) return 'Ready';
  const hash = changeSetHash(changes);
  if (queued.some((r) => r.sourceInstanceId === instance.id && r.changeHash === hash)) return 'Sent';
  if (instance.deployedChangeHash === hash) return 'Idle';
  return 'Active';
}

export async function status(deps: ServiceDeps): Promise<EnvironmentStatus[]> {
  const [environments, instances, queued, changeRequests] = await Promise.all([
    deps.store.environments.list(),
    deps.store.instances.list(),
    deps.store.requests.inStates(QUEUED_STATES),
    deps.store.changeRequests.list(),
  ]);
  const workedOn = new Map(changeRequests.filter((cr) => cr.workedInInstanceId !== null).map((cr) => [cr.workedInInstanceId!, cr]));
  const names = new Map(instances.map((i) => [i.id, i.name]));
  const result: EnvironmentStatus[] = [];
  for (const environment of environments) {
    const rows: InstanceStatus[] = [];
    for (const instance of instances.filter((i) => i.environmentId === environment.id)) {
      const changes = environment.kind === 'production' ? [] : await deps.store.components.changes(instance.id);
      rows.push({
        instance,
        parent: instance.parentInstanceId ? names.get(instance.parentInstanceId) ?? null : null,
        project: projectState(environment, instance, changes, queued),
        changes: summarize(changes),
        components: await deps.store.components.count(instance.id),
        changeRequest: await expectedWork(deps, instance, workedOn.get(instance.id)),
        conflicts: (await deps.store.conflicts.open(instance.id)).map((c) => c.key),
        ...(deps.sources?.backs(instance.name) ? { git: { branch: deps.sources.branch(instance.name), tip: (await deps.store.instances.gitRead(instance.id)).tip } } : {}),
      });
    }
    result.push({ environment, instances: rows, queue: queued.filter((r) => r.targetEnvironmentId === environment.id) });
  }
  return result;
}

async function expectedWork(deps: ServiceDeps, instance: Instance, cr: ChangeRequest | undefined): Promise<InstanceStatus['changeRequest']> {
  return cr && { id: cr.id, name: cr.name, expected: await notYetIn(deps.store, instance.id, cr) };
}

export async function queue(deps: ServiceDeps, environmentName?: string): Promise<{ environment: Environment; requests: DeploymentRequest[] }[]> {
  const environments = environmentName ? [await findEnvironment(deps.store, environmentName)] : (await deps.store.environments.list()).filter((e) => e.kind !== 'development');
  return Promise.all(environments.map(async (environment) => ({ environment, requests: await deps.store.requests.inStates(QUEUED_STATES, environment.id) })));
}

/**
 * The components that differ between `a` and `b`, named the way a send of `a` to `b` names them: `added` is only in
 * `a` (a send would add it to `b`), `removed` only in `b`, `changed` in both with different content.
 */
export async function compare(deps: ServiceDeps, a: string, b: string): Promise<{ from: Instance; to: Instance; differences: Difference[] }> {
  const from = await findInstance(deps.store, a);
  const to = await findInstance(deps.store, b);
  // The store's compare(x, y) calls what only y holds added: asked with b first, its words are those of a send of a to b.
  return { from, to, differences: await deps.store.components.compare(to.id, from.id) };
}

export interface RunWithLines extends Run {
  lines: LogLine[];
}

const withLines = async (deps: ServiceDeps, run: Run): Promise<RunWithLines> => ({ ...run, lines: await deps.store.runs.lines(run.id) });

/** Runs of a run id (`RUN-4`) or of a request (`DR-12`); a bare `4` is DR-4 when that request exists, else RUN-4. */
export async function logs(deps: ServiceDeps, ref: string): Promise<RunWithLines[]> {
  const { kind, id } = parseId(ref, 'request', ['request', 'run']);
  const bare = /^\s*\d+\s*$/.test(ref);
  if (kind === 'request' && (await deps.store.requests.byId(id))) {
    return Promise.all((await deps.store.runs.forRequest(id)).map((r) => withLines(deps, r)));
  }
  const run = kind === 'run' || bare ? await deps.store.runs.byId(id) : undefined;
  if (run) return [await withLines(deps, run)];
  const [request, runId] = [formatId('request', id), formatId('run', id)];
  if (bare) {
    throw new DomainError('NOT_FOUND', msg`Neither ${request} nor ${runId} exists. Write ${request} for the runs of a request or ${runId} for one run; ${command('queue')} lists the waiting requests.`);
  }
  throw kind === 'run'
    ? new NotFoundError(runId, msg`Runs are listed in ${command('logs DR-…')} of their request.`)
    : new NotFoundError(request, msg`See ${command('queue')} for the requests waiting in each environment.`);
}

export interface Report {
  request: DeploymentRequest;
  source: Instance;
  target: Instance;
  environment: Environment;
  changes: Change[];
  /** What each change does: its diff against what the target held when it was sent. */
  diffs: ComponentDiff[];
  votes: Vote[];
  runs: RunWithLines[];
  changeRequest: string | null;
  /** The request this one was reverted by, or the revert run; empty when not reverted. */
  revertChain: string[];
  audit: AuditEvent[];
}

export async function report(deps: ServiceDeps, ref: string): Promise<Report> {
  const { id } = parseId(ref, 'request');
  const request = await findRequest(deps.store, id);
  const [source, target, environment] = await Promise.all([
    deps.store.instances.byId(request.sourceInstanceId),
    deps.store.instances.byId(request.targetInstanceId),
    deps.store.environments.byId(request.targetEnvironmentId),
  ]);
  if (!source || !target || !environment) throw new InvalidStateError(`${formatId('request', id)} refers to an instance that no longer exists.`);
  const runs = await logs(deps, formatId('request', id));
  const revertChain = request.revertRunId ? [`${formatId('request', id)} deployed by run ${formatId('run', request.deployRunId!)}, reverted by run ${formatId('run', request.revertRunId)}`] : [];
  return {
    request,
    source,
    target,
    environment,
    changes: await deps.store.packages.items(request.packageId),
    diffs: (await requestDiff(deps, id)).items,
    votes: await deps.store.requests.votes(id),
    runs,
    changeRequest: request.changeRequestId ? formatId('changeRequest', request.changeRequestId) : null,
    revertChain,
    audit: await deps.store.audit.list({ subject: formatId('request', id), limit: 500 }),
  };
}

export const auditTrail = (deps: ServiceDeps, filter: { subject?: string; since?: Date; limit?: number }) =>
  deps.store.audit.list({ ...filter, limit: filter.limit ?? 200 });

export async function whoami(deps: ServiceDeps, actor: Actor) {
  const environments = await deps.store.environments.list();
  const roles: { environment: string; approver: boolean; deployer: boolean }[] = [];
  for (const env of environments) {
    const approver = await isApprover(deps, env.approvals, actor.user).catch(() => false);
    roles.push({ environment: env.name, approver, deployer: env.deployers.includes(actor.user) });
  }
  return { user: actor.user, admin: isAdmin(deps, actor.user), roles, instances: await ownedInstances(deps, actor) };
}

/** The names of the instances the actor owns. */
export const ownedInstances = async (deps: ServiceDeps, actor: Actor) => (await deps.store.instances.list()).filter((i) => i.owner === actor.user).map((i) => i.name);

/** Everything a card about one request shows: where it goes, what it carries, the votes so far. */
export async function requestOverview(deps: ServiceDeps, requestId: number) {
  const { request, env, source, target } = await requestContext(deps.store, requestId);
  const [items, votes, changeRequest, runs] = await Promise.all([
    deps.store.packages.items(request.packageId),
    deps.store.requests.votes(requestId),
    request.changeRequestId === null ? undefined : deps.store.changeRequests.byId(request.changeRequestId),
    deps.store.runs.forRequest(requestId),
  ]);
  return { request, environment: env, source, target, votes, summary: summarize(items), keys: items.slice(0, 10).map((i) => i.key), changeRequest, runs };
}

export type RequestOverview = Awaited<ReturnType<typeof requestOverview>>;

/** Where a run happens: its environment, its instance and the request it deploys, reverts or validates. */
export async function runContext(deps: ServiceDeps, run: Run) {
  const [environment, instance, request] = await Promise.all([
    run.environmentId === null ? undefined : deps.store.environments.byId(run.environmentId),
    run.instanceId === null ? undefined : deps.store.instances.byId(run.instanceId),
    run.requestId === null ? undefined : deps.store.requests.byId(run.requestId),
  ]);
  return { environment, instance, request };
}

/** The latest finished runs of deployments and reverts, newest first (App Home's recent deployments). */
export const recentDeployments = (deps: ServiceDeps, limit = 5) => deps.store.requests.recentlyDeployed(limit);
