import { type ServiceDeps, audit, audited } from '../service-deps.ts';
import { InvalidStateError } from '../errors.ts';
import { componentHash } from '../hash.ts';
import { findInstance } from '../lookups.ts';
import { command, msg } from '../message.ts';
import type { Actor, Repositories } from '../ports.ts';
import type { SourceComponent, SourceSnapshot } from '../sources.ts';
import type { Component, Instance } from '../types.ts';

export interface RefreshResult {
  instance: Instance;
  /** The commit now imported. */
  tip: string;
  /** False when the instance held that commit already. */
  changed: boolean;
  written: string[];
  removed: string[];
}

/** Who an edit read from git is recorded as made by when no commit read names it (a component never changed since). */
export const GIT_AUTHOR = 'git';

/** Most components a listing reads: every one of any instance. */
const ALL = 2 ** 31 - 1;

/**
 * Reads a git-backed instance's branch and makes its components what the branch holds (DESIGN.md section 9): each
 * edit recorded as made by the author of the commit that made it. A branch already imported changes nothing.
 */
export async function refresh(deps: ServiceDeps, actor: Actor, instanceName: string): Promise<RefreshResult> {
  return audited(deps, actor, 'refresh', instanceName, async () => {
    const instance = await findInstance(deps.store, instanceName);
    if (!deps.sources?.backs(instance.name)) {
      throw new InvalidStateError(
        msg`${instance.name} is not kept in git: its components change with ${command(`components put ${instance.name}`)}. Give it git: { repo, branch } in the pipeline configuration to keep it in a repository.`,
      );
    }
    const asked = (await deps.store.instances.gitRead(instance.id)).reads;
    const read = () => readBranch(deps, actor, instance, asked);
    // One replica at a time reads an instance's branch; one that waited for another's read takes that read.
    return deps.exclusive ? deps.exclusive.exclusively(`refresh ${instance.id}`, read) : read();
  });
}

/** Refreshes the instances given that are kept in git (before a sync or send reads them); the others are left as they are. */
export async function refreshIfKeptInGit(deps: ServiceDeps, actor: Actor, instances: readonly string[]) {
  for (const name of instances) if (deps.sources?.backs(name)) await refresh(deps, actor, name);
}

/** Every instance kept in git, refreshed (a scheduler tick): the names of those that could not be, with why. */
export async function refreshAll(deps: ServiceDeps, actor: Actor): Promise<{ instance: string; reason: string }[]> {
  const failed: { instance: string; reason: string }[] = [];
  for (const { name } of await deps.store.instances.list()) {
    if (!deps.sources?.backs(name)) continue;
    await refresh(deps, actor, name).catch((error: Error) => failed.push({ instance: name, reason: error.message }));
  }
  return failed;
}

/** What a complete read of the branch changes in the instance: the components that differ from what it holds, and the keys it no longer has. */
async function differences(tx: Repositories, instance: Instance, snapshot: SourceSnapshot): Promise<{ components: SourceComponent[]; removed: string[] }> {
  const had = new Map((await tx.components.summaries(instance.id, ALL)).map((c) => [c.key, c.hash]));
  const kept = new Set(snapshot.components.map((c) => c.key));
  return {
    components: snapshot.components.filter((c) => had.get(c.key) !== componentHash(c.content, c.dependsOn)),
    removed: [...had.keys()].filter((key) => !kept.has(key)),
  };
}

/** Reads the branch, unless a read was done since `asked` reads, and imports what changed. */
async function readBranch(deps: ServiceDeps, actor: Actor, instance: Instance, asked: number): Promise<RefreshResult> {
  const last = await deps.store.instances.gitRead(instance.id);
  const unchanged = { instance, tip: last.tip ?? '', changed: false, written: [], removed: [] };
  if (last.reads > asked && last.tip) return unchanged;
  // Fetched before the transaction: a slow server holds up nobody's writes.
  const snapshot = await deps.sources!.read(instance.name, last.tip);
  const result = await deps.store.transaction(async (tx) => {
    await tx.instances.lockRow(instance.id);
    const tipBefore = (await tx.instances.gitRead(instance.id)).tip;
    // What changed since a tip the instance no longer holds (a deployment committed meanwhile): read again.
    if (tipBefore !== snapshot.tip && !snapshot.complete && tipBefore !== last.tip) return undefined;
    await tx.instances.recordGitRead(instance.id, snapshot.tip);
    if (tipBefore === snapshot.tip) return { ...unchanged, tip: snapshot.tip };
    const read = snapshot.complete ? await differences(tx, instance, snapshot) : snapshot;
    const at = deps.clock.now();
    const written: Component[] = read.components.map((c) => ({ key: c.key, content: c.content, dependsOn: c.dependsOn, hash: componentHash(c.content, c.dependsOn), changedBy: c.author ?? GIT_AUTHOR, changedAt: at }));
    await tx.components.putMany(instance.id, written);
    for (const key of read.removed) await tx.components.remove(instance.id, key);
    await audit(tx, deps, actor, 'refresh', instance.name, 'succeeded', { tip: snapshot.tip, written: written.length, removed: read.removed.length });
    return { instance, tip: snapshot.tip, changed: true, written: written.map((c) => c.key), removed: read.removed };
  });
  return result ?? readBranch(deps, actor, instance, -1);
}
