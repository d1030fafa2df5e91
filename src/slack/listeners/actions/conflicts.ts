import { DomainError } from '../../../domain/errors.ts';
import type { Keep } from '../../../domain/services/conflicts.ts';
import type { View } from '@slack/types';
import { refusalText } from '../../errors.ts';
import { callbacks } from '../../ids.ts';
import { actorOf } from '../../listener-deps.ts';
import { messageModal } from '../../views/common.ts';
import { type ConflictRef, conflictModal, readConflictValue, resolvedModal } from '../../views/conflicts.ts';
import type { Click } from './button.ts';

function conflictOf(value: string): ConflictRef {
  const ref = readConflictValue(value);
  if (!ref) throw new DomainError('INVALID_INPUT', 'This button no longer names a conflict: run `/sandbox resolve <instance>` to list the open ones.');
  return ref;
}

/** Resolve: the conflict's modal, opened, or in place of the modal the click came from (the next conflict). */
export async function resolveClicked({ value, user, opening, view, deps }: Click) {
  const { instance, key } = conflictOf(value);
  await deps.services.assertMayWorkOn(actorOf(user), instance, 'resolve conflicts in');
  const shown = conflictModal(await deps.services.conflicts.details(instance, key));
  if (view) await opening.client.views.update({ view_id: view.id, view: shown });
  else await opening.client.views.open({ trigger_id: opening.triggerId, view: shown });
}

/** Keep mine or Take theirs, in the conflict's modal: decided, and the modal says so and offers the next one. */
export const keepClicked =
  (keep: Keep) =>
  async ({ value, user, opening, view, deps }: Click) => {
    const { instance, key } = conflictOf(value);
    let shown: View;
    try {
      const resolved = await deps.services.conflicts.resolve(actorOf(user), instance, key, keep);
      const remaining = (await deps.services.conflicts.open(instance)).conflicts.map((c) => c.key);
      shown = resolvedModal({ instance: resolved.instance.name, key, keep, removed: resolved.removed, remaining });
    } catch (error) {
      // Refused (resolved meanwhile by someone else, not theirs to resolve): the modal says so in its place.
      if (!view || !(error instanceof DomainError)) throw error;
      shown = messageModal('Resolve conflict', refusalText(error), callbacks.conflict);
    }
    if (view) await opening.client.views.update({ view_id: view.id, view: shown });
  };
