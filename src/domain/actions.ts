import type { ComponentAction, DeployCheck } from './types.ts';

// What a deployment does outside the bot (DESIGN.md section 10): targets it deploys to and command checks that test
// the result, and hooks around syncs, deployments and reverts, each a command run on the bot's machine or a webhook
// called. Durations are kept as written (`10m`); names in `env` and `secret` are credentials' names, never values.

/** A command run with the package and the target's state in folders of its own. */
export interface CommandAction {
  command: string;
  /** The longest it may run. */
  timeout: string;
  /** The longest it may go without printing a line. */
  idleTimeout: string;
  /** Credentials it gets as environment variables of these names. */
  env: string[];
}

/**
 * A POST of the package's manifest to an outside system, signed as Standard Webhooks signs with the credential named
 * `secret`. A 2xx ends it; a 202 says the system works on, and reports how it ends by the run's status callbacks.
 */
export interface WebhookAction {
  webhook: string;
  secret?: string;
  /** The longest it may take, retries and callbacks included. */
  timeout: string;
}

/** What an environment runs outside the bot: a command on the bot's machine, or a webhook. */
export type OutsideAction = CommandAction | WebhookAction;

export const isWebhook = (action: OutsideAction): action is WebhookAction => 'webhook' in action;

/** The action in a few words, for the run's log: the command, or where the webhook posts. */
export const describeAction = (action: OutsideAction) => (isWebhook(action) ? `POST ${action.webhook}` : action.command);

/** What puts a target back after a failed deployment: its `revert` command, or for a webhook target its `revert` webhook. */
export const revertOf = (target: Target): (OutsideAction & { name: string }) | undefined =>
  target.revert === undefined ? undefined : isWebhook(target) ? { ...target, webhook: target.revert } : { ...target, command: target.revert };

/** A system a deployment acts on after applying the package, and what puts it back (`revert`: a command, or a webhook's URL). */
export type Target = OutsideAction & { name: string; revert?: string };

/** A real test after the targets: a command that sees the target's state after the package; its exit code decides. */
export type CommandCheck = CommandAction & { name: string };

export type Check = DeployCheck | CommandCheck;

export const isForbidCheck = (check: Check): check is DeployCheck => 'forbid' in check;

/** Where hooks run: before an action (a failure refuses it) or after it (a failure is logged and changes nothing). */
export const HOOK_POINTS = ['beforeSync', 'afterSync', 'beforeDeploy', 'afterDeploy', 'beforeRevert', 'afterRevert'] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];
export type Hooks = Partial<Record<HookPoint, OutsideAction[]>>;

/** What an environment runs outside the bot besides its git remotes, as Test Connection tests it: each target, command check and hook (named by its point). */
export function outsideActionsOf(env: { targets: Target[]; checks: Check[]; hooks: Hooks }): (OutsideAction & { name: string })[] {
  const hooks = HOOK_POINTS.flatMap((point) => (env.hooks[point] ?? []).map((hook) => ({ ...hook, name: point })));
  return [...env.targets, ...env.checks.filter((c): c is CommandCheck => !isForbidCheck(c)), ...hooks];
}

/** A package item as an outside command gets it (`manifest.json`, and the file itself unless deleted). */
export interface PackageFile {
  key: string;
  action: ComponentAction;
  hash: string | null;
  baseHash: string | null;
  dependsOn: string[];
  /** Null for a delete. */
  content: string | null;
}

/** What a command of a target or a check is run for, and with (its `SANDBOX_…` variables and folders). */
export interface ActionContext {
  /** `deploy`, `revert` (a target put back after a failure), `check`, `test` (Test Connection: empty folders, nothing to do), or the hook's point. */
  action: 'deploy' | 'revert' | 'check' | 'test' | HookPoint;
  environment: string;
  request: string;
  run: string;
  /** The package's items (`SANDBOX_PACKAGE_DIR`). */
  files: PackageFile[];
  /** The environment's stored secrets, opened, by name: a name of `env` is looked up here first. */
  secrets: Record<string, string>;
  /** Every component of the target as it is for this action (`SANDBOX_TARGET_DIR`): after the package, or before it for a revert. */
  state: { key: string; content: string }[];
  /** The token a webhook that answers 202 reports how its work ends with (the run's status callbacks). */
  callback?: { token: string };
  /** What the runner began writing for the first command run with this context (`ActionRunner.layOut`). */
  laidOut?: LaidOut;
}

/** Folders a runner writes ahead of a command, while the deployment goes on. */
export interface LaidOut {
  /** Throws away what no command took (the deployment failed before one ran). */
  discard(): void;
}

/** How an action ended: whether it succeeded, in words (`exited with 3 after 1.2 s`), and how long it took. */
export interface ActionOutcome {
  ok: boolean;
  /** A webhook answered 202: its system works on, and reports how it ends by the run's status callbacks. */
  accepted?: boolean;
  summary: string;
  ms: number;
  /** The last lines it printed (at most LAST_LINES, secrets masked), for a sentence about it to quote. */
  said: string[];
}

/** How many of the last lines a command printed its outcome keeps. */
export const LAST_LINES = 3;

/** Runs the commands of targets, checks and hooks on this machine, and calls their webhooks (the targets adapter). */
export interface ActionRunner {
  /** Runs `action` for `context`; each line it prints (or says of a webhook's delivery) goes to `line` as it comes, secrets masked. */
  run(action: OutsideAction & { name: string }, context: ActionContext, line: (text: string, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<ActionOutcome>;
  /**
   * Begins writing what a command run for `context` gets (its package and target folders) while the deployment goes
   * on: for 10,000 components, that takes about as long as the database takes to apply them. The first command run
   * with this context (or a copy of it) takes what was written.
   */
  layOut?(context: Omit<ActionContext, 'secrets'>): LaidOut;
  /** Ends the commands a bot that died left running on this machine; answers the run (`RUN-45`) and process group of each. */
  endLeftovers(): Promise<{ run: string; group: number }[]>;
}
