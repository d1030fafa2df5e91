import { type ActionContext, describeAction, isWebhook, type OutsideAction, outsideActionsOf } from '../actions.ts';
import { findEnvironment } from '../lookups.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { ConnectionCheck } from '../sources.ts';
import type { Environment } from '../types.ts';
import { openSecrets } from './secrets.ts';

export interface ConnectionTest {
  environment: Environment;
  /** Each check, with what it is of: an instance (its git remote), a target or a command check. */
  checks: ConnectionResult[];
}

/** A result of Test Connection: one check, and what it is of (an instance's git remote, a target, a check or a hook). */
export type ConnectionResult = ConnectionCheck & { subject: string };

/**
 * Tests the connections of an environment without deploying anything: the git remote of each of its instances kept
 * in git (reachable, branch present, push permitted), then each target, command check and hook: a command runs with
 * `SANDBOX_ACTION=test` and empty folders (it should check what it reaches, and change nothing), a webhook gets a
 * signed ping. `progress` hears the test as it goes: once the environment is found, and after each result. Nothing
 * to test is an empty list.
 */
export async function testConnections(deps: ServiceDeps, environmentName: string, progress: (so: ConnectionTest) => void = () => {}): Promise<ConnectionTest> {
  const environment = await findEnvironment(deps.store, environmentName);
  const instances = (await deps.store.instances.list()).filter((i) => i.environmentId === environment.id && deps.sources?.backs(i.name));
  const checks: ConnectionTest['checks'] = [];
  progress({ environment, checks: [] });
  const add = (result: ConnectionResult) => {
    checks.push(result);
    progress({ environment, checks: [...checks] });
  };
  for (const instance of instances) for (const check of await deps.sources!.test(instance.name)) add({ subject: instance.name, ...check });
  const actions = outsideActionsOf(environment);
  if (!actions.length) return { environment, checks };
  const secrets = await openSecrets(deps, deps.store, environment);
  const context: ActionContext = { action: 'test', environment: environment.name, request: '', run: '', secrets, files: [], state: [] };
  for (const action of actions) add({ subject: action.name, ...(await testAction(deps, action, context)) });
  return { environment, checks };
}

async function testAction(deps: ServiceDeps, action: OutsideAction & { name: string }, context: ActionContext): Promise<ConnectionCheck> {
  const check = isWebhook(action) ? `${describeAction(action)} (ping)` : `${action.command} (test)`;
  if (!deps.actions) return { check, ok: false, detail: 'this bot runs no commands', ms: 0 };
  const outcome = await deps.actions.run(action, context, () => {});
  const said = outcome.said.length ? `: ${outcome.said.join(' / ')}` : '';
  return { check, ok: outcome.ok, detail: `${outcome.summary}${said}`, ms: outcome.ms };
}
