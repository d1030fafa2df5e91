import type { WebClient } from '@slack/web-api';
import { DomainError } from '../domain/errors.ts';
import { formatId, parseId } from '../domain/ids.ts';
import { command, msg } from '../domain/message.ts';
import { syncLabel } from '../domain/pipeline.ts';
import { ATTACHABLE_CHANGE_REQUEST_STATES } from '../domain/states.ts';
import { actorOf, type SlackDeps } from './listener-deps.ts';
import type { ModalMetadata } from './views/common.ts';
import { changeRequestModal, syncChangeRequestModal } from './views/change-request.ts';
import { deployModal, rejectChangeRequestModal, rejectModal, revertModal } from './views/decisions.ts';
import { logsModal } from './views/logs.ts';
import { sendModal } from './views/send.ts';
import { changesModal, fitsInModal } from './views/changes.ts';
import { shareLongDiff } from './long-diffs.ts';
import { syncModal } from './views/sync.ts';

/**
 * Opening the modals, from a command or a button alike. Each runs its read-only checks first, so that a refusal
 * is told at once instead of after the form is filled in. The trigger id lives 3 seconds: these reads are quick.
 */
export interface Opening {
  client: WebClient;
  triggerId: string;
  user: string;
  metadata: ModalMetadata;
}

export async function openSync(deps: SlackDeps, o: Opening, instanceName: string) {
  await deps.services.assertMayWorkOn(actorOf(o.user), instanceName, 'sync');
  const { instance, upper, sources, preferred } = await deps.services.syncSources(instanceName);
  await o.client.views.open({ trigger_id: o.triggerId, view: syncModal({ instance, upper, sources, preferred, label: syncLabel(upper), channel: o.metadata.channel }) });
}

export async function openSend(deps: SlackDeps, o: Opening, instanceName: string) {
  const preview = await deps.services.sendPreview(instanceName, actorOf(o.user));
  if (preview.changes.length === 0) {
    throw new DomainError('NOTHING_TO_SEND', `${preview.instance.name} has no changes to send: it matches its baseline. Change some components first, or sync to take what is new above.`);
  }
  const changeRequests = (await deps.services.changeRequests.list()).filter((cr) => ATTACHABLE_CHANGE_REQUEST_STATES.includes(cr.state));
  if (preview.target.approvals.requireChangeRequest && changeRequests.length === 0) {
    throw new DomainError(
      'CHANGE_REQUEST_REQUIRED',
      msg`${preview.target.name} requires an approved change request, and none is approved yet. Create one with ${command('cr new')}, submit it and have it approved; then send again.`,
    );
  }
  await o.client.views.open({ trigger_id: o.triggerId, view: sendModal({ ...preview, changeRequests, channel: o.metadata.channel }) });
}

export async function openDeploy(deps: SlackDeps, o: Opening, ref: string) {
  const { id } = parseId(ref, 'request');
  await deps.services.assertDeployable(actorOf(o.user), id);
  await o.client.views.open({ trigger_id: o.triggerId, view: deployModal(await deps.services.requestOverview(id), o.metadata) });
}

export async function openReject(deps: SlackDeps, o: Opening, ref: string) {
  const { id } = parseId(ref, 'request');
  await deps.services.assertMayReject(actorOf(o.user), id);
  await o.client.views.open({ trigger_id: o.triggerId, view: rejectModal(id, o.metadata) });
}

export async function openRejectChangeRequest(deps: SlackDeps, o: Opening, ref: string) {
  const { id } = parseId(ref, 'changeRequest');
  await deps.services.changeRequests.assertMayVote(actorOf(o.user), id, 'reject');
  await o.client.views.open({ trigger_id: o.triggerId, view: rejectChangeRequestModal(id, o.metadata) });
}

export async function openRevert(deps: SlackDeps, o: Opening, environment?: string) {
  const { env, latest } = await deps.services.assertMayRevert(actorOf(o.user), environment);
  // Admins may revert only some components: they get them to choose from.
  const components = (await deps.services.whoami(actorOf(o.user))).admin ? await deps.services.changesOf(latest.id) : [];
  await o.client.views.open({ trigger_id: o.triggerId, view: revertModal(latest, env, o.metadata, components) });
}

/** View changes: the request's components, and the diff of the first (or `key`). */
export async function openChanges(deps: SlackDeps, o: Opening, ref: string) {
  const { id } = parseId(ref, 'request');
  await o.client.views.open({ trigger_id: o.triggerId, view: await changesView(deps, o.user, id) });
}

/** The View changes modal showing `key` (the first component when none), the diff too long for it shared. */
export async function changesView(deps: SlackDeps, viewer: string, requestId: number, key?: string) {
  const changes = await deps.services.changesOf(requestId);
  const [shown] = (await deps.services.diff(requestId, key ?? changes[0]?.key)).items;
  if (!shown) throw new DomainError('NOT_FOUND', `${formatId('request', requestId)} changes nothing.`);
  const uploadedTo = shown.cutOff || fitsInModal(shown) ? undefined : await shareLongDiff(deps, requestId, viewer, shown);
  return changesModal({ requestId, changes, shown, uploadedTo });
}

export async function openLogs(deps: SlackDeps, o: Opening, ref: string) {
  const runs = await deps.services.logs(ref);
  await o.client.views.open({ trigger_id: o.triggerId, view: logsModal(ref.toUpperCase(), runs) });
}

export async function openSyncChangeRequest(deps: SlackDeps, o: Opening, ref: string) {
  const { id } = parseId(ref, 'changeRequest');
  const { changeRequest, instances } = await deps.services.changeRequests.syncTargets(actorOf(o.user), id);
  await o.client.views.open({ trigger_id: o.triggerId, view: syncChangeRequestModal(changeRequest, instances, o.metadata) });
}

export async function openNewChangeRequest(o: Opening) {
  await o.client.views.open({ trigger_id: o.triggerId, view: changeRequestModal(o.metadata) });
}
