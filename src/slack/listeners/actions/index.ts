import type { App } from '@slack/bolt';
import { DomainError } from '../../../domain/errors.ts';
import { formatId } from '../../../domain/ids.ts';
import { actorOf, type SlackDeps } from '../../listener-deps.ts';
import { actions } from '../../ids.ts';
import { openChanges, openDeploy, openLogs, openReject, openRejectChangeRequest, openRevert, openSend, openSync, openSyncChangeRequest } from '../../modals.ts';
import { type ButtonArgs, onClick } from './button.ts';
import { routes } from '../routes.ts';
import { testConnectionsFor } from '../../connection-tests.ts';
import { approveChangeRequestClicked, approveClicked } from './approve.ts';
import { changesComponentChosen } from './changes-component.ts';
import { keepClicked, resolveClicked } from './conflicts.ts';

export function register(app: App, deps: SlackDeps) {
  const table: Record<string, (args: ButtonArgs) => Promise<void>> = {};
  const button = (id: string, what: string, work: Parameters<typeof onClick>[2], o?: { patient?: boolean }) => {
    table[id] = onClick(deps, what, work, o);
  };
  // A vote answers through the click's response URL and the card: it may wait for a burst of clicks to be acknowledged.
  const patient = { patient: true };
  button(actions.approve, 'Approve', approveClicked, patient);
  button(actions.reject, 'Reject', ({ value, opening }) => openReject(deps, opening, value));
  button(actions.deploy, 'Deploy', ({ value, opening }) => openDeploy(deps, opening, value));
  button(actions.unschedule, 'Cancel schedule', async ({ value, user, reply }) => {
    const request = await deps.services.unscheduleDeployment(actorOf(user), Number(value));
    await reply(`:x: The scheduled deployment of ${formatId('request', request.id)} is cancelled.`);
  }, patient);
  button(actions.claim, 'Assign to me', async ({ value, user, reply }) => {
    const request = await deps.services.claim(actorOf(user), Number(value));
    await reply(`:raising_hand: You hold ${formatId('request', request.id)} now: the others see it on its card and may still vote. *Release* lets it go.`);
  }, patient);
  button(actions.unclaim, 'Release', async ({ value, user, reply }) => {
    const request = await deps.services.unclaim(actorOf(user), Number(value));
    await reply(`:wave: ${formatId('request', request.id)} is released: nobody holds it now.`);
  }, patient);
  button(actions.viewLogs, 'View Logs', ({ value, opening }) => openLogs(deps, opening, value));
  button(actions.viewChanges, 'View changes', ({ value, opening }) => openChanges(deps, opening, value));
  button(actions.sync, 'Sync', ({ value, opening }) => openSync(deps, opening, value));
  button(actions.send, 'Send', ({ value, opening }) => openSend(deps, opening, value));
  button(actions.approveChangeRequest, 'Approve change request', approveChangeRequestClicked, patient);
  button(actions.rejectChangeRequest, 'Reject change request', ({ value, opening }) => openRejectChangeRequest(deps, opening, value));
  button(actions.syncChangeRequest, 'Sync CR', ({ value, opening }) => openSyncChangeRequest(deps, opening, value));
  button(actions.resolveConflict, 'Resolve', resolveClicked);
  button(actions.keepMine, 'Keep mine', keepClicked('mine'), patient);
  button(actions.takeTheirs, 'Take theirs', keepClicked('theirs'), patient);
  button(actions.testConnections, 'Test Connection', ({ value, user }) => testConnectionsFor(deps, user, value));
  button(actions.revert, 'Revert Changes', async ({ value, user, opening }) => {
    // The button names the deployment it was shown for: if another one is latest by now, say so instead of reverting that one.
    const { latest, env } = await deps.services.assertMayRevert(actorOf(user));
    if (String(latest.id) !== value) {
      throw new DomainError('NOTHING_TO_REVERT', `${formatId('request', Number(value))} is no longer the latest deployment to ${env.name}; refresh App Home to see what can be reverted.`);
    }
    await openRevert(deps, opening, env.name);
  });
  const { ids, listener } = routes(table, ({ action }) => action.action_id);
  app.action(ids, listener);
  app.action(actions.changesComponent, changesComponentChosen(deps));
}
