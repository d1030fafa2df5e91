import { InvalidInputError } from '../errors.ts';
import { command, msg } from '../message.ts';
import { firstKeys } from '../pipeline.ts';
import type { Repositories } from '../ports.ts';
import type { Instance } from '../types.ts';

/** Which of an instance's changes a send carries: only some (`only`), all but some (`except`), or all (neither). */
export interface SendSelection {
  only?: string[];
  except?: string[];
}

/**
 * The keys a selective send carries, or undefined for all of the instance's changes. Refused, naming them, are keys
 * the instance has not changed, and a choice that leaves nothing to send.
 */
export async function chosenKeys(store: Repositories, instance: Instance, selection: SendSelection): Promise<string[] | undefined> {
  const { only, except } = selection;
  if (only === undefined && except === undefined) return undefined;
  if (only !== undefined && except !== undefined) throw new InvalidInputError('Choose the components to send with --only or leave some out with --except, not both.').about('only');
  const changed = new Set((await store.components.changes(instance.id)).map((c) => c.key));
  const asked = [...new Set(only ?? except)];
  const unchanged = asked.filter((key) => !changed.has(key));
  if (unchanged.length) {
    throw new InvalidInputError(
      msg`${firstKeys(unchanged)} ${unchanged.length === 1 ? 'is' : 'are'} not among the changes of ${instance.name}, so there is nothing to choose there. ${command(`compare ${instance.name} <its target>`)} lists what it changes.`,
    ).about(only ? 'only' : 'except');
  }
  const keys = only ? asked : [...changed].filter((key) => !asked.includes(key));
  if (keys.length === 0) throw new InvalidInputError(`Nothing is left to send from ${instance.name}: choose at least one of its changed components.`).about(only ? 'only' : 'except');
  return keys;
}
