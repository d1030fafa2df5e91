import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { instanceState, runAfterHooks, runBeforeHooks } from './hooks.ts';
import { environmentOf, findInstance } from '../lookups.ts';
import { InvalidInputError, InvalidStateError } from '../errors.ts';
import { mergeDecision } from '../merge.ts';
import { nextEnvironmentUp } from '../pipeline.ts';
import type { Actor } from '../ports.ts';
import { startRun } from '../run-log.ts';
import type { Instance, Run } from '../types.ts';
import { assertMayWorkOn } from './access.ts';
import { refreshIfKeptInGit } from './refresh.ts';
import { commitSync, reconcileBranch } from './git-writes.ts';

export interface SyncResult {
  run: Run;
  instance: Instance;
  source: Instance;
  taken: string[];
  kept: string[];
  conflicts: string[];
}

/** The instances a sync of `instanceName` may pull from, and the one picked when none is named. */
export async function syncSources(deps: ServiceDeps, instanceName: string) {
  const instance = await findInstance(deps.store, instanceName);
  const env = await environmentOf(deps.store, instance);
  const upper = nextEnvironmentUp(await deps.store.environments.list(), env);
  if (!upper) {
    throw new InvalidStateError(`${instance.name} is in ${env.name}, the top of the pipeline: there is nothing above it to sync from.`);
  }
  const sources = (await deps.store.instances.list()).filter((i) => i.environmentId === upper.id);
  const preferred = sources.find((i) => i.id === instance.parentInstanceId) ?? (sources.length === 1 ? sources[0] : undefined);
  return { instance, env, upper, sources, preferred };
}

/** Lines per list before a sync log summarises the rest: a thread of thousands of "took" lines helps nobody. */
const LISTED = 100;

function logKeys(keys: string[], line: (key: string) => void, rest: (count: number) => void) {
  for (const key of keys.slice(0, LISTED)) line(key);
  if (keys.length > LISTED) rest(keys.length - LISTED);
}

export async function sync(deps: ServiceDeps, actor: Actor, instanceName: string, from?: string): Promise<SyncResult> {
  return audited(deps, actor, 'sync', instanceName, async () => {
    const { instance, upper, sources, preferred } = await syncSources(deps, instanceName);
    assertMayWorkOn(deps, actor, instance, 'sync');
    const names = sources.map((s) => s.name).join(', ');
    const source = from ? sources.find((s) => s.name.toLowerCase() === from.toLowerCase()) : preferred;
    if (!source) {
      throw new InvalidInputError(
        from
          ? `${from} is not an instance of ${upper.name}, the environment above ${instance.name}. Pick one of: ${names}.`
          : `${upper.name} has several instances; pick the one to sync with (one of: ${names}).`,
      );
    }
    // What a git-backed instance holds is its branch: read it (and the source's) before merging.
    await refreshIfKeptInGit(deps, actor, [instance.name, source.name]);
    const env = await environmentOf(deps.store, instance);
    await runBeforeHooks(deps, env, 'beforeSync', { sees: instanceState(instance.id) });
    const log = await startRun(deps, { kind: 'sync', user: actor.user, message: `Sync ${instance.name} with ${source.name}`, requestId: null, instanceId: instance.id, environmentId: instance.environmentId });
    log.info(`Syncing ${instance.name} with ${source.name} (${upper.name})`);
    try {
      const result = await deps.store.transaction(async (tx) => {
        // The merge reads the source in several statements: no deployment or edit may change it in between.
        // Locks go environment, then upper instance, then lower instance: the order deployments take them in.
        await tx.environments.holdSteady(upper.id);
        await tx.instances.holdSteady(source.id);
        await tx.instances.lockRow(instance.id);
        const rows = await tx.components.mergeRows(instance.id, source.id);
        log.progress(1, 1, 'merging');
        const taken: string[] = [];
        const kept: string[] = [];
        const conflicts: string[] = [];
        for (const row of rows) {
          const decision = mergeDecision(row);
          if (decision === 'take') taken.push(row.key);
          else if (decision === 'keep') kept.push(row.key);
          else if (decision === 'conflict') conflicts.push(row.key);
        }
        await tx.components.takeFrom(instance.id, source.id, taken);
        // Base and theirs are kept before the baseline moves on to the source; conflicts since settled are forgotten.
        await tx.conflicts.record(instance.id, source.id, conflicts, log.run.id, deps.clock.now());
        await tx.conflicts.dropSettled(instance.id, source.id);
        await tx.instances.replaceBaseline(instance.id, source.id, deps.clock.now());
        await commitSync(tx, deps, { target: instance, source, log, by: actor.user, keys: taken, at: deps.clock.now() });
        await audit(tx, deps, actor, 'sync', instance.name, 'succeeded', { source: source.name, taken: taken.length, kept: kept.length, conflicts });
        return { taken, kept, conflicts };
      });
      logKeys(result.taken, (key) => log.info(`Took ${key} from ${source.name}`), (more) => log.info(`…and ${more} more taken from ${source.name}`));
      for (const key of result.conflicts) log.warn(`Conflict: ${key} changed here and in ${source.name}; kept your version until you resolve it`);
      const summary = `Taken ${result.taken.length}, kept ${result.kept.length}, conflicts ${result.conflicts.length}`;
      log.info(`Sync finished. ${summary}. ${source.name} is now the parent of ${instance.name}.`);
      await runAfterHooks(deps, env, 'afterSync', { log, sees: instanceState(instance.id) });
      const run = await log.finish('succeeded', summary);
      return { run, instance, source, ...result };
    } catch (error) {
      log.error(`Sync failed: ${(error as Error).message}`);
      const reconciled = await reconcileBranch(deps, instance, log.run);
      if (reconciled) log.warn(reconciled);
      await log.finish('failed', (error as Error).message);
      throw error;
    }
  });
}
