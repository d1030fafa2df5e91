import type { ComponentAction, DeployCheck } from './types.ts';

// What a deployment does outside the bot (DESIGN.md section 10): targets it deploys to and command checks that test
// the result, and hooks around syncs, deployments and reverts, each a command run on the bot's machine. Durations are kept as written (`10m`); names in `env` are
// environment variables, never values.

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

/** A system a deployment acts on after applying the package, and the command that puts it back (`revert`). */
export type Target = CommandAction & { name: string; revert?: string };

/** A real test after the targets: a command that sees the target's state after the package; its exit code decides. */
export type CommandCheck = CommandAction & { name: string };

export type Check = DeployCheck | CommandCheck;

export const isForbidCheck = (check: Check): check is DeployCheck => 'forbid' in check;

/** Where hooks run: before an action (a failure refuses it) or after it (a failure is logged and changes nothing). */
export const HOOK_POINTS = ['beforeSync', 'afterSync', 'beforeDeploy', 'afterDeploy', 'beforeRevert', 'afterRevert'] as const;
export type HookPoint = (typeof HOOK_POINTS)[number];
export type Hooks = Partial<Record<HookPoint, CommandAction[]>>;

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
}

/** How a command ended: whether it succeeded, in words (`exited with 3 after 1.2 s`), and how long it took. */
export interface ActionOutcome {
  ok: boolean;
  summary: string;
  ms: number;
  /** The last lines it printed (at most LAST_LINES, secrets masked), for a sentence about it to quote. */
  said: string[];
}

/** How many of the last lines a command printed its outcome keeps. */
export const LAST_LINES = 3;

/** Runs the commands of targets and checks on this machine (the targets adapter). */
export interface ActionRunner {
  /** Runs `command` for `context`; each line it prints goes to `line` as it comes, secrets masked. */
  run(command: CommandAction & { name: string }, context: ActionContext, line: (text: string, stream: 'stdout' | 'stderr') => void, signal?: AbortSignal): Promise<ActionOutcome>;
  /** Ends the commands a bot that died left running on this machine; answers the run (`RUN-45`) and process group of each. */
  endLeftovers(): Promise<{ run: string; group: number }[]>;
}
