import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import { command, msg } from '../message.ts';
import { environmentOf, findInstance } from '../lookups.ts';
import { InvalidInputError, InvalidStateError, NotFoundError, NotPermittedError } from '../errors.ts';
import { componentHash } from '../hash.ts';
import type { Actor } from '../ports.ts';
import type { Component, Instance } from '../types.ts';
import { assertMayWorkOn } from './access.ts';

export interface ComponentInput {
  key: string;
  content: string;
  dependsOn?: string[];
}

const KEY = /^[A-Za-z][\w.-]*\/[^\s/][^\n]*$/;

export const isComponentKey = (key: string) =>
  KEY.test(key) && key.length <= 400 && !key.split('/').some((part) => part === '.' || part === '..');

export function assertComponentKey(key: string) {
  if (!isComponentKey(key)) {
    throw new InvalidInputError(`"${key}" is not a component key. Keys look like Type/Name, e.g. Layout/Account or Workflow/Onboarding.`);
  }
}

function toComponent(input: ComponentInput, user: string, at: Date): Component {
  assertComponentKey(input.key);
  for (const dep of input.dependsOn ?? []) assertComponentKey(dep);
  const dependsOn = [...new Set(input.dependsOn ?? [])].sort();
  return { key: input.key, content: input.content, hash: componentHash(input.content, dependsOn), dependsOn, changedBy: user, changedAt: at };
}

/**
 * Staging and production change only through the pipeline. An admin may still edit them directly (the system too,
 * seeding a workspace): true then, and the edit is audited as out of band.
 */
async function outOfBand(deps: ServiceDeps, actor: Actor, instance: Instance): Promise<boolean> {
  const env = await environmentOf(deps.store, instance);
  if (env.kind === 'development') return false;
  if (isAdmin(deps, actor.user) || actor.via === 'system') return true;
  throw new NotPermittedError(
    msg`${instance.name} is in ${env.name}, which changes only through the pipeline: change a sandbox instance and ${command('send')} it up. Only an admin may edit ${env.name} directly, and that is recorded as out of band.`,
  );
}

/** A git-backed instance holds what its branch holds: it changes by commits, never by a direct edit the next read would undo. */
function assertNotKeptInGit(deps: ServiceDeps, instance: Instance) {
  if (!deps.sources?.backs(instance.name)) return;
  throw new InvalidStateError(
    msg`${instance.name} is kept in git: change its components by committing to its branch and pushing, then ${command(`refresh ${instance.name}`)} (a sync or send reads the branch too).`,
  );
}

/** Writes components into an instance (one or many); every key is checked before anything is written. */
export async function putComponents(deps: ServiceDeps, actor: Actor, instanceName: string, inputs: ComponentInput[]): Promise<number> {
  return audited(deps, actor, 'components put', instanceName, async () => {
    const instance = await findInstance(deps.store, instanceName);
    assertMayWorkOn(deps, actor, instance, 'change components of');
    assertNotKeptInGit(deps, instance);
    const direct = await outOfBand(deps, actor, instance);
    const seen = new Set<string>();
    for (const i of inputs) {
      if (seen.has(i.key)) throw new InvalidInputError(`${i.key} is given twice; each component may appear once.`);
      seen.add(i.key);
    }
    const now = deps.clock.now();
    const components = inputs.map((i) => toComponent(i, actor.user, now));
    await deps.store.transaction(async (tx) => {
      await tx.instances.lockRow(instance.id); // waits for a sync or send of this instance to finish
      await tx.components.putMany(instance.id, components);
      const keys = components.slice(0, 20).map((c) => c.key);
      await audit(tx, deps, actor, 'components put', instance.name, direct ? 'written out of band' : 'written', { count: components.length, keys, ...(direct ? { outOfBand: true } : {}) });
    });
    return components.length;
  });
}

export async function removeComponent(deps: ServiceDeps, actor: Actor, instanceName: string, key: string): Promise<void> {
  return audited(deps, actor, 'components rm', instanceName, async () => {
    const instance = await findInstance(deps.store, instanceName);
    assertMayWorkOn(deps, actor, instance, 'change components of');
    assertNotKeptInGit(deps, instance);
    const direct = await outOfBand(deps, actor, instance);
    await deps.store.transaction(async (tx) => {
      await tx.instances.lockRow(instance.id);
      if (!(await tx.components.remove(instance.id, key))) {
        throw new NotFoundError(`Component ${key} in ${instance.name}`, msg`See ${command(`components list ${instance.name}`)}.`);
      }
      await audit(tx, deps, actor, 'components rm', instance.name, direct ? 'removed out of band' : 'removed', { key, ...(direct ? { outOfBand: true } : {}) });
    });
  });
}

/** The first `limit` components of an instance by key, with who changed each last, and how many it holds. */
export async function summarizeComponents(deps: ServiceDeps, instanceName: string, limit: number) {
  const instance = await findInstance(deps.store, instanceName);
  const [total, components] = await Promise.all([deps.store.components.count(instance.id), deps.store.components.summaries(instance.id, limit)]);
  return { instance: instance.name, total, components };
}

export async function listComponents(deps: ServiceDeps, instanceName: string): Promise<Component[]> {
  const instance = await findInstance(deps.store, instanceName);
  return deps.store.components.list(instance.id);
}
