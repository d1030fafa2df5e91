import type { ActionRunner } from './actions.ts';
import type { SecretSealer } from './secrets.ts';
import type { DiffDrawer } from './diff.ts';
import type { Exclusive, InstanceSources } from './sources.ts';
import { DomainError } from './errors.ts';
import type { Actor, Clock, LogSink, Repositories, Store, UserGroupResolver } from './ports.ts';

import type { StatusInbox } from './status-feed.ts';

/** Everything a domain service needs, passed in by the adapter that composes the app. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  groups: UserGroupResolver;
  sink: LogSink;
  /** Slack ids of the pipeline's admins (from the configuration). */
  admins: readonly string[];
  /** Where diffs are drawn: in this thread unless the composition root gives worker threads. */
  diffs?: DiffDrawer;
  /** Where git-backed instances are read (none: no instance is). */
  sources?: InstanceSources;
  /** One replica at a time for what must be done once (none: this process is the only one). */
  exclusive?: Exclusive;
  /** Seals and opens stored secrets (none: SANDBOX_MASTER_KEY is not set, and no secret can be stored). */
  sealer?: SecretSealer;
  /** Runs the commands of targets and checks (none: no environment may have any). */
  actions?: ActionRunner;
  /** Status callbacks on their way to the deployments of this process that wait for them (none: read from the database only). */
  statusInbox?: StatusInbox;
  /** Aborted when the process is told to stop and its grace is over: a deployment under way gives up between steps. */
  stopping?: AbortSignal;
}

export const isAdmin = (deps: ServiceDeps, user: string) => deps.admins.includes(user);

export async function audit(
  repos: Repositories,
  deps: ServiceDeps,
  actor: Actor,
  action: string,
  subject: string,
  outcome: string,
  details: Record<string, unknown> | null = null,
) {
  await repos.audit.record({ at: deps.clock.now(), actor: actor.user, via: actor.via, action, subject, outcome, details });
}

/** Runs an action; a refusal is recorded in the audit (after its transaction rolled back) and rethrown. */
export async function audited<T>(deps: ServiceDeps, actor: Actor, action: string, subject: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) {
      await audit(deps.store, deps, actor, action, subject, 'refused', { code: error.code, reason: error.message });
    }
    throw error;
  }
}
