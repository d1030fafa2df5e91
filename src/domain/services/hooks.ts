import { type ActionContext, type ActionOutcome, describeAction, type HookPoint, type OutsideAction } from '../actions.ts';
import { DomainError } from '../errors.ts';
import { formatId } from '../ids.ts';
import type { Repositories } from '../ports.ts';
import { commandOutput, type RunLog } from '../run-log.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { Environment } from '../types.ts';
import { openSecrets } from './secrets.ts';

// Hooks around syncs, deployments and reverts (DESIGN.md section 10): commands an environment runs before and after
// them. A `before…` hook that fails refuses the action, which is left as it was; an `after…` hook that fails is
// logged in the run for all to see, and changes nothing.

/** What a hook runs for: the action's request and run log (when they exist) and, read only if there are hooks, what it sees. */
export interface HookScope {
  request?: number;
  log?: RunLog;
  /** The package and the state of the instance acted on, for `SANDBOX_PACKAGE_DIR` and `SANDBOX_TARGET_DIR`. */
  sees?: (repos: Repositories) => Promise<Pick<ActionContext, 'files' | 'state'>>;
}

/** The `before…` hooks of the environment, in turn: the first that fails refuses the action with what it printed. */
export async function runBeforeHooks(deps: ServiceDeps, env: Environment, point: HookPoint, scope: HookScope) {
  for (const hook of env.hooks[point] ?? []) {
    const outcome = await runHook(deps, env, point, hook, scope);
    if (!outcome.ok) {
      const said = outcome.said.join(' / ');
      throw new DomainError('HOOK_REFUSED', `The ${point} hook of ${env.name} refused it: ${describeAction(hook)} ${outcome.summary}${said ? `, saying: ${said}` : ''}. Nothing was done; try again once what it checks is fixed.`);
    }
    scope.log?.info(`Hook ${point}: ${describeAction(hook)} ${outcome.summary}`);
  }
}

/** The `after…` hooks of the environment, in turn: each failure is logged in the run, and changes nothing. */
export async function runAfterHooks(deps: ServiceDeps, env: Environment, point: HookPoint, scope: HookScope) {
  for (const hook of env.hooks[point] ?? []) {
    const outcome = await runHook(deps, env, point, hook, scope).catch((error: Error) => ({ ok: false, summary: error.message }));
    if (outcome.ok) scope.log?.info(`Hook ${point}: ${describeAction(hook)} ${outcome.summary}`);
    else scope.log?.warn(`Hook ${point} failed: ${describeAction(hook)} ${outcome.summary}. What was done stays done.`);
  }
}

async function runHook(deps: ServiceDeps, env: Environment, point: HookPoint, hook: OutsideAction, scope: HookScope): Promise<ActionOutcome> {
  if (!deps.actions) return { ok: false, summary: 'cannot run: this bot runs no commands', ms: 0, said: [] };
  const context: ActionContext = {
    action: point,
    environment: env.name,
    request: scope.request === undefined ? '' : formatId('request', scope.request),
    run: scope.log ? formatId('run', scope.log.run.id) : '',
    secrets: await openSecrets(deps, deps.store, env),
    ...(scope.sees ? await scope.sees(deps.store) : { files: [], state: [] }),
  };
  scope.log?.info(`Hook ${point}: ${describeAction(hook)}`);
  return deps.actions.run({ ...hook, name: point }, context, commandOutput(scope.log, point));
}

/** What a hook of a deployment or a revert sees: the package and the target's state. */
export const packageAndState =
  (packageId: number, instanceId: number): NonNullable<HookScope['sees']> =>
  async (repos) => ({ files: await repos.packages.files(packageId), state: await repos.components.contents(instanceId) });

/** What a hook of a sync sees: no package, the state of the instance synced. */
export const instanceState =
  (instanceId: number): NonNullable<HookScope['sees']> =>
  async (repos) => ({ files: [], state: await repos.components.contents(instanceId) });
