import { branchMoved, commitDeployment, reconcileBranch } from './git-writes.ts';
import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { command, msg, person } from '../message.ts';
import { requestContext } from '../lookups.ts';
import { DomainError, InvalidStateError } from '../errors.ts';
import { type ActiveFreeze, activeFreeze } from '../freezes.ts';
import { formatId } from '../ids.ts';
import { count } from '../pipeline.ts';
import type { Actor, Repositories } from '../ports.ts';
import type { RunLog } from '../run-log.ts';
import { formatUtc } from '../time.ts';
import { startRun } from '../run-log.ts';
import { ATTACHABLE_CHANGE_REQUEST_STATES, WAITING_STATES, describeState, moveRequest } from '../states.ts';
import type { DeploymentRequest, Environment, Run } from '../types.ts';
import { assertDeployer, isAutoDeployment } from './access.ts';
import { INTERRUPTED } from './interrupted.ts';
import { followCarrier } from './change-request-work.ts';
import { OutsideWork } from './targets.ts';
import { packageAndState, runAfterHooks, runBeforeHooks } from './hooks.ts';
import { isForbidCheck, isWebhook } from '../actions.ts';
import { newCallbackToken } from './tokens.ts';

export interface DeployResult {
  request: DeploymentRequest;
  run: Run;
  succeeded: boolean;
  reason: string | null;
}

export interface ValidateResult {
  request: DeploymentRequest;
  run: Run;
  ok: boolean;
  missingDependencies: { key: string; missing: string }[];
  drifted: { key: string; expected: string | null; actual: string | null }[];
  failedChecks: string[];
}

/** Dependencies, validation, snapshot, apply, compare and post-deploy checks (and the targets, when there are any). */
const DEPLOY_STEPS = 5;
/** Dependencies, validation, checks. */
const VALIDATE_STEPS = 3;

/** A check that stops a deployment; the transaction rolls back and the reason is logged. */
class DeploymentCheckFailed extends Error {}

/** The process is stopping and its grace is over: the deployment gives up, rolls back, and can be deployed again. */
class CutOffByShutdown extends DeploymentCheckFailed {}

/** Between a deployment's steps: gives up when the process must stop now. */
function unlessStopping(deps: ServiceDeps) {
  if (deps.stopping?.aborted) throw new CutOffByShutdown(`${INTERRUPTED}: the bot was stopping and its grace ran out before this deployment ended`);
}

export function lockRefusal(env: Environment): DomainError {
  const lock = env.lock!;
  return new DomainError(
    'ENVIRONMENT_LOCKED',
    msg`${env.name} is locked by ${person(lock.by)} since ${lock.at.toISOString()}: "${lock.reason}". Deployments to it are refused until someone unlocks it (${command(`unlock ${env.name}`)}).`,
  );
}

function freezeRefusal(env: Environment, freeze: ActiveFreeze): DomainError {
  return new DomainError(
    'ENVIRONMENT_FROZEN',
    `${env.name} is frozen (“${freeze.reason}”) until ${formatUtc(freeze.until)}. Deployments to it are refused until then, unless the request carries an approved emergency change request.`,
  );
}

/** An approved emergency change request lets its request through a freeze. */
export async function carriesEmergencyChangeRequest(repos: Repositories, request: DeploymentRequest): Promise<boolean> {
  if (request.changeRequestId === null) return false;
  const cr = await repos.changeRequests.byId(request.changeRequestId);
  return cr?.type === 'emergency' && ATTACHABLE_CHANGE_REQUEST_STATES.includes(cr.state);
}

/** Refuses a deployment into `env` at `at` while a freeze is in force, unless an emergency lets it through. */
async function assertNotFrozen(repos: Repositories, env: Environment, request: DeploymentRequest, at: Date) {
  const freeze = activeFreeze(env, at);
  if (freeze && !(await carriesEmergencyChangeRequest(repos, request))) throw freezeRefusal(env, freeze);
}

/** Check dependencies, then validate (a dry run of every base hash). Returns what blocks the deployment. */
async function runChecks(repos: Repositories, request: DeploymentRequest, targetId: number, log: RunLog, steps: number) {
  log.progress(1, steps, 'checking dependencies');
  log.info('Checking dependencies…');
  const missingDependencies = await repos.packages.missingDependencies(request.packageId, targetId);
  for (const { key, missing } of missingDependencies) log.error(`Missing dependency: ${key} depends on ${missing}, which the target will not have`);
  if (missingDependencies.length === 0) log.info('Dependencies: all present');
  log.progress(2, steps, 'validating against the target');
  log.info('Validating against the target…');
  const drifted = await repos.packages.driftedItems(request.packageId, targetId);
  for (const { key } of drifted) log.error(`Conflict: ${key} changed in the target since these changes were made against it`);
  if (drifted.length === 0) log.info('Validation: every item applies cleanly');
  return { missingDependencies, drifted };
}

function checkFailureReason(missing: number, drifted: number) {
  const parts = [];
  if (missing) parts.push(count(missing, 'missing dependency', 'missing dependencies'));
  if (drifted) parts.push(`${count(drifted, 'conflict')} with the target (sync and send again)`);
  return parts.join(' and ');
}

export async function validate(deps: ServiceDeps, actor: Actor, requestId: number): Promise<ValidateResult> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'validate', id, async () => {
    const { request, env, target } = await requestContext(deps.store, requestId);
    if (!WAITING_STATES.includes(request.state)) {
      throw new InvalidStateError(`${id} is ${describeState(request.state)}; only requests waiting in a queue can be validated.`);
    }
    const log = await startRun(deps, { kind: 'validate', user: actor.user, message: request.message, requestId, instanceId: target.id, environmentId: env.id });
    log.info(`Validating ${id} against ${target.name} (dry run, nothing is applied)`);
    await log.begin();
    const checks = await runChecks(deps.store, request, target.id, log, VALIDATE_STEPS);
    log.progress(3, VALIDATE_STEPS, 'trying the checks');
    const failedChecks: string[] = [];
    for (const check of env.checks.filter(isForbidCheck)) {
      const violations = await deps.store.packages.checkViolations(request.packageId, check);
      for (const key of violations) log.error(`Check "${check.name}" would fail on ${key}`);
      if (violations.length) failedChecks.push(check.name);
      else log.info(`Check "${check.name}" would pass`);
    }
    for (const check of env.checks.filter((c) => !isForbidCheck(c))) log.info(`Check "${check.name}" runs at deployment, after the targets: it tests what they did`);
    const moved = await branchMoved(deps, target).catch((error: Error) => error.message);
    if (moved) log.error(moved);
    const ok = checks.missingDependencies.length === 0 && checks.drifted.length === 0 && failedChecks.length === 0 && !moved;
    const reasons = [checkFailureReason(checks.missingDependencies.length, checks.drifted.length), ...failedChecks.map((c) => `check "${c}" would fail`), moved && 'its branch moved outside the bot'].filter(Boolean);
    const summary = ok ? 'Validation passed' : `Validation failed: ${reasons.join(' and ')}`;
    log.info(summary);
    const run = await log.finish(ok ? 'succeeded' : 'failed', summary);
    await audit(deps.store, deps, actor, 'validate', id, ok ? 'passed' : 'failed', { run: formatId('run', run.id) });
    return { request, run, ok, ...checks, failedChecks };
  });
}

function refuseUndeployable(request: DeploymentRequest, env: Environment, id: string): never {
  switch (request.state) {
    case 'pending_approval':
      throw new DomainError('NOT_APPROVED', `${id} is still waiting for approval in ${env.name} (${env.approvals.required} needed). It can be deployed once approved.`);
    case 'deploying':
      throw new InvalidStateError(msg`${id} is being deployed right now; watch its thread or ${command(`logs ${id}`)}.`);
    case 'deployed':
      throw new InvalidStateError(`${id} is already deployed to ${env.name}.`);
    default:
      throw new InvalidStateError(`${id} is ${describeState(request.state)}, so it cannot be deployed. Send the changes again as a new request.`);
  }
}

async function assertChangeRequestStillApproved(repos: Repositories, request: DeploymentRequest, env: Environment, id: string) {
  if (!env.approvals.requireChangeRequest) return;
  const cr = request.changeRequestId === null ? undefined : await repos.changeRequests.byId(request.changeRequestId);
  if (!cr || !ATTACHABLE_CHANGE_REQUEST_STATES.includes(cr.state)) {
    const state = cr ? `${formatId('changeRequest', cr.id)} is ${describeState(cr.state)}` : 'it carries no change request';
    throw new DomainError('CHANGE_REQUEST_REQUIRED', `${id} cannot be deployed to ${env.name}: ${state}, and an approved change request is required. Send the changes again with an approved one.`);
  }
}

/** Refuses, with the reason, a deployment the actor may not start now; reads only (a Deploy button asks before confirming). */
export async function assertDeployable(deps: ServiceDeps, actor: Actor, requestId: number) {
  const id = formatId('request', requestId);
  const context = await requestContext(deps.store, requestId);
  const { request, env } = context;
  if (!isAutoDeployment(actor, env)) assertDeployer(deps, actor.user, env, 'deploy');
  if (request.state !== 'approved' && request.state !== 'failed') refuseUndeployable(request, env, id);
  if (env.lock) throw lockRefusal(env);
  await assertNotFrozen(deps.store, env, request, deps.clock.now());
  await assertChangeRequestStillApproved(deps.store, request, env, id);
  return context;
}

export async function deploy(deps: ServiceDeps, actor: Actor, requestId: number): Promise<DeployResult> {
  const id = formatId('request', requestId);
  return audited(deps, actor, 'deploy', id, async () => {
    const { request, env, target, source } = await assertDeployable(deps, actor, requestId);
    // Refused before the claim: the request stays deployable, for once the branch is read again.
    const moved = await branchMoved(deps, target);
    if (moved) throw new InvalidStateError(moved);
    await runBeforeHooks(deps, env, 'beforeDeploy', { request: requestId, sees: packageAndState(request.packageId, target.id) });
    // Kept with the run from its start, so that any replica can take a webhook target's status callbacks.
    const callback = env.targets.some(isWebhook) ? newCallbackToken() : undefined;
    // Claim the request: of two Deploy clicks only one moves it to `deploying`, together with its run, so that a
    // claimed request always has a run to be recovered by.
    const log = await deps.store.transaction(async (tx) => {
      const claimed = await moveRequest(tx, requestId, ['approved', 'failed'], 'deploying', { updatedAt: deps.clock.now(), reason: null });
      if (!claimed) return undefined;
      return startRun(deps, { kind: 'deploy', user: actor.user, message: request.message, requestId, instanceId: target.id, environmentId: env.id, callbackHash: callback?.hash }, tx);
    });
    if (!log) refuseUndeployable((await deps.store.requests.byId(requestId))!, env, id);
    log.info(`Deploying ${id} from ${source.name} to ${target.name} (${env.name}): "${request.message}"`);
    await log.flush();
    await log.begin();
    // A command cut off by the shutdown fails like the step it was in: the request can be deployed again.
    const outside = new OutsideWork(deps, env, request, log, (reason) => (deps.stopping?.aborted ? new CutOffByShutdown(`${INTERRUPTED}: ${reason}`) : new DeploymentCheckFailed(reason)), callback);
    const steps = DEPLOY_STEPS + (env.targets.length ? 1 : 0);
    try {
      const deployed = await deps.store.transaction(async (tx) => {
        // Serialises deployments to one environment: a second one waits here for the first to end.
        const current = await tx.environments.lockForDeployment(env.id);
        if (current.lock) throw new DeploymentCheckFailed(lockRefusal(current).message);
        await assertNotFrozen(tx, current, request, deps.clock.now()).catch((refusal: Error) => {
          throw new DeploymentCheckFailed(refusal.message);
        });
        await tx.instances.lockRow(target.id); // a sync of the target waits, and is not overwritten half-way
        await outside.lookAhead(tx, target.id);
        unlessStopping(deps);
        const checks = await runChecks(tx, request, target.id, log, steps);
        unlessStopping(deps);
        if (checks.missingDependencies.length || checks.drifted.length) {
          throw new DeploymentCheckFailed(checkFailureReason(checks.missingDependencies.length, checks.drifted.length));
        }
        log.progress(3, steps, 'saving the prior state');
        const snapshot = await tx.packages.snapshotTarget(request.packageId, target.id, log.run.id);
        log.info(`Saved the prior state of ${count(snapshot, 'component')}`);
        unlessStopping(deps);
        log.progress(4, steps, 'applying the package');
        const now = deps.clock.now();
        const written = await tx.packages.applyTo(request.packageId, target.id, actor.user, now);
        log.info(`Applied ${count(written, 'change')} to ${target.name}`);
        unlessStopping(deps);
        if (env.targets.length) {
          log.progress(5, steps, 'acting on the targets');
          await outside.actOnTargets(tx);
          unlessStopping(deps);
        }
        log.progress(steps, steps, 'comparing and running checks');
        await postDeployChecks(tx, request, env, target.id, log);
        await outside.runChecks(tx);
        unlessStopping(deps);
        await commitDeployment(tx, deps, { request, target, log, deployer: actor.user, at: now }, (reason) => new DeploymentCheckFailed(reason));
        const updated = await moveRequest(tx, requestId, ['deploying'], 'deployed', { deployedBy: actor.user, deployedAt: now, deployRunId: log.run.id, updatedAt: now });
        // The run ends in this transaction: if another process took this one for dead and marked the run
        // interrupted, nothing commits, and the target stays as that run's log says.
        if (!(await tx.runs.finish(log.run.id, 'succeeded', now, `Deployed to ${env.name}`))) throw new DeploymentCheckFailed(INTERRUPTED);
        await settleSourceProject(tx, request, source.id);
        await followCarrier(tx, deps, actor, updated!, 'deployed');
        await audit(tx, deps, actor, 'deploy', id, 'deployed', { run: formatId('run', log.run.id), target: target.name, changes: written });
        return updated!;
      });
      log.info(`Deployment succeeded: ${id} is live in ${env.name}`);
      await runAfterHooks(deps, env, 'afterDeploy', { request: requestId, log, sees: packageAndState(request.packageId, target.id) });
      const run = await log.finish('succeeded', `Deployed to ${env.name}`);
      return { request: deployed, run, succeeded: true, reason: null };
    } catch (error) {
      const reason = error instanceof DeploymentCheckFailed ? error.message : `unexpected error: ${(error as Error).message}`;
      log.error(`Deployment failed: ${reason}. ${target.name} is unchanged.`);
      const reconciled = await reconcileBranch(deps, target, log.run);
      if (reconciled) log.warn(reconciled);
      await outside.putBack();
      const cutOff = error instanceof CutOffByShutdown;
      const run = await log.finish(cutOff ? 'interrupted' : 'failed', reason);
      // Already failed when a recovery marked the run interrupted first.
      const failed = await deps.store.transaction(async (tx) => {
        const moved = await moveRequest(tx, requestId, ['deploying'], 'failed', { reason: cutOff ? INTERRUPTED : reason, updatedAt: deps.clock.now() });
        if (moved) await followCarrier(tx, deps, actor, moved, 'failed');
        return moved ?? (await tx.requests.byId(requestId))!;
      });
      await audit(deps.store, deps, actor, 'deploy', id, 'failed', { run: formatId('run', run.id), reason: failed.reason });
      if (!(error instanceof DeploymentCheckFailed)) throw error;
      return { request: failed, run, succeeded: false, reason: failed.reason };
    }
  });
}

/** "Tests" after apply, inside the transaction: any failure rolls the target back to exactly what it was. */
async function postDeployChecks(tx: Repositories, request: DeploymentRequest, env: Environment, targetId: number, log: RunLog) {
  const unapplied = await tx.packages.unappliedItems(request.packageId, targetId);
  if (unapplied.length) throw new DeploymentCheckFailed(`compare after apply found ${unapplied.length} items not as packaged (first: ${unapplied[0]})`);
  log.info('Compare: the target holds every item of the package');
  for (const check of env.checks.filter(isForbidCheck)) {
    const violations = await tx.packages.checkViolations(request.packageId, check, targetId);
    for (const key of violations) log.error(`Check "${check.name}" failed on ${key}`);
    if (violations.length) throw new DeploymentCheckFailed(`post-deploy check "${check.name}" failed on ${count(violations.length, 'component')}`);
    log.info(`Check "${check.name}" passed`);
  }
}

/** Ready (development: the baseline absorbs the package) or Idle (staging: the deployed change set stays). */
async function settleSourceProject(tx: Repositories, request: DeploymentRequest, sourceId: number) {
  const source = await tx.instances.byId(sourceId);
  const env = source && (await tx.environments.byId(source.environmentId));
  if (!source || !env) return;
  if (env.kind === 'development') await tx.instances.absorbIntoBaseline(source.id, request.packageId);
  else await tx.instances.setDeployedChangeHash(source.id, request.changeHash);
}
