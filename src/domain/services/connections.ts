import { type ActionContext, type CommandAction, HOOK_POINTS, isForbidCheck } from '../actions.ts';
import { findEnvironment } from '../lookups.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { ConnectionCheck } from '../sources.ts';
import type { Environment } from '../types.ts';
import { openSecrets } from './secrets.ts';

export interface ConnectionTest {
  environment: Environment;
  /** Each check, with what it is of: an instance (its git remote), a target or a command check. */
  checks: (ConnectionCheck & { subject: string })[];
}

/**
 * Tests the connections of an environment without deploying anything: the git remote of each of its instances kept
 * in git (reachable, branch present, push permitted), then each target, command check and hook, run with
 * `SANDBOX_ACTION=test` and empty folders (it should check what it reaches, and change nothing). Nothing to test is
 * an empty list.
 */
export async function testConnections(deps: ServiceDeps, environmentName: string): Promise<ConnectionTest> {
  const environment = await findEnvironment(deps.store, environmentName);
  const instances = (await deps.store.instances.list()).filter((i) => i.environmentId === environment.id && deps.sources?.backs(i.name));
  const checks: ConnectionTest['checks'] = [];
  for (const instance of instances) for (const check of await deps.sources!.test(instance.name)) checks.push({ subject: instance.name, ...check });
  const hooks = HOOK_POINTS.flatMap((point) => (environment.hooks[point] ?? []).map((hook) => ({ ...hook, name: point })));
  const commands = [...environment.targets, ...environment.checks.filter((c) => !isForbidCheck(c)), ...hooks] as (CommandAction & { name: string })[];
  if (!commands.length) return { environment, checks };
  const secrets = await openSecrets(deps, deps.store, environment);
  const context: ActionContext = { action: 'test', environment: environment.name, request: '', run: '', secrets, files: [], state: [] };
  for (const command of commands) checks.push({ subject: command.name, ...(await testCommand(deps, command, context)) });
  return { environment, checks };
}

async function testCommand(deps: ServiceDeps, command: CommandAction & { name: string }, context: ActionContext): Promise<ConnectionCheck> {
  const check = `${command.command} (test)`;
  if (!deps.actions) return { check, ok: false, detail: 'this bot runs no commands', ms: 0 };
  const outcome = await deps.actions.run(command, context, () => {});
  const said = outcome.said.length ? `: ${outcome.said.join(' / ')}` : '';
  return { check, ok: outcome.ok, detail: `${outcome.summary}${said}`, ms: outcome.ms };
}
