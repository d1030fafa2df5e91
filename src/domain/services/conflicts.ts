import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { type ComponentDiff, componentDiff } from '../diff.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import { findInstance } from '../lookups.ts';
import { command, msg } from '../message.ts';
import type { Actor } from '../ports.ts';
import type { Component, ComponentAction, Instance, SyncConflict } from '../types.ts';
import { assertMayWorkOn } from './access.ts';
import { commitResolution } from './git-writes.ts';

/** Keep mine: the instance's version stays and will be sent; take theirs: the source's version replaces it. */
export type Keep = 'mine' | 'theirs';
export const KEEPS: readonly Keep[] = ['mine', 'theirs'];

/** An open conflict with the name of the instance it was synced from. */
export interface OpenConflict extends SyncConflict {
  source: string;
}

/** One conflict as it is shown to be resolved: what both sides changed from the base, as diffs. */
export interface ConflictDetails {
  instance: Instance;
  conflict: OpenConflict;
  /** Base to the instance's version as it is now, and base to the source's version at the sync. */
  mine: ComponentDiff;
  theirs: ComponentDiff;
  /** False when the base was synced before bases were kept: both diffs are then drawn from nothing. */
  baseKept: boolean;
}

const actionOf = (before: string | null, after: string | null): ComponentAction => (before === null ? 'add' : after === null ? 'delete' : 'modify');

async function sourceNames(deps: ServiceDeps): Promise<Map<number, string>> {
  return new Map((await deps.store.instances.list()).map((i) => [i.id, i.name]));
}

/** The conflicts of an instance that nobody resolved yet, by key. */
export async function openConflicts(deps: ServiceDeps, instanceName: string): Promise<{ instance: Instance; conflicts: OpenConflict[] }> {
  const instance = await findInstance(deps.store, instanceName);
  const [rows, names] = await Promise.all([deps.store.conflicts.open(instance.id), sourceNames(deps)]);
  return { instance, conflicts: rows.map((c) => ({ ...c, source: names.get(c.sourceInstanceId) ?? '?' })) };
}

async function notOpen(deps: ServiceDeps, instance: Instance, key: string): Promise<never> {
  const open = await deps.store.conflicts.open(instance.id);
  const hint = open.length
    ? `Its open conflicts: ${open.slice(0, 10).map((c) => c.key).join(', ')}${open.length > 10 ? ` and ${open.length - 10} more` : ''}.`
    : msg`${instance.name} has no open conflicts: ${command(`sync ${instance.name}`)} lists any it finds.`;
  throw new NotFoundError(`An open conflict on ${key} in ${instance.name}`, hint);
}

/** Base, mine and theirs of one conflict, as two diffs from the base. */
export async function conflictDetails(deps: ServiceDeps, instanceName: string, key: string): Promise<ConflictDetails> {
  const instance = await findInstance(deps.store, instanceName);
  const conflict = await deps.store.conflicts.get(instance.id, key);
  if (!conflict) return notOpen(deps, instance, key);
  const mine = (await deps.store.components.get(instance.id, key))?.content ?? null;
  const base = conflict.baseContent;
  const baseKept = conflict.baseHash === null || base !== null;
  const source = (await sourceNames(deps)).get(conflict.sourceInstanceId) ?? '?';
  return {
    instance,
    conflict: { key, source, sourceInstanceId: conflict.sourceInstanceId, detectedAt: conflict.detectedAt, baseHash: conflict.baseHash, theirsHash: conflict.theirsHash },
    mine: componentDiff(key, actionOf(base, mine), base, mine),
    theirs: componentDiff(key, actionOf(base, conflict.theirsContent), base, conflict.theirsContent),
    baseKept,
  };
}

/**
 * Resolves a conflict: keeping mine leaves the instance's version (to be sent, as any change), taking theirs puts the
 * source's version of the sync in its place (or removes the component, where the source deleted it). The baseline
 * stays as synced.
 */
export async function resolveConflict(deps: ServiceDeps, actor: Actor, instanceName: string, key: string, keep: string) {
  return audited(deps, actor, 'resolve', instanceName, async () => {
    if (!KEEPS.includes(keep as Keep)) throw new InvalidInputError(`Say which version to keep of ${key}: mine (yours, to be sent) or theirs (the synced one); “${keep}” is neither.`).about('keep');
    const instance = await findInstance(deps.store, instanceName);
    assertMayWorkOn(deps, actor, instance, 'resolve conflicts in');
    const names = await sourceNames(deps);
    const resolved = await deps.store.transaction(async (tx) => {
      await tx.instances.lockRow(instance.id);
      const conflict = await tx.conflicts.get(instance.id, key);
      if (!conflict || !(await tx.conflicts.close(instance.id, key))) return undefined;
      if (keep === 'theirs') {
        if (conflict.theirsContent === null) await tx.components.remove(instance.id, key);
        else await tx.components.put(instance.id, theirsComponent(key, conflict.theirsContent, conflict.theirsHash!, conflict.theirsDependsOn, actor, deps.clock.now()));
        await commitResolution(tx, deps, { target: instance, key, source: names.get(conflict.sourceInstanceId) ?? 'the source', by: actor.user, at: deps.clock.now() });
      }
      await audit(tx, deps, actor, 'resolve', instance.name, 'succeeded', { key, keep });
      return { instance, key, keep: keep as Keep, removed: keep === 'theirs' && conflict.theirsContent === null };
    });
    return resolved ?? notOpen(deps, instance, key);
  });
}

const theirsComponent = (key: string, content: string, hash: string, dependsOn: string[], actor: Actor, at: Date): Component => ({ key, content, hash, dependsOn, changedBy: actor.user, changedAt: at });
