import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count, listWords } from '../../domain/pipeline.ts';
import type { Digest, DigestItem, Escalation } from '../../domain/services/digests.ts';
import type { DriftReport, Reminder } from '../../domain/services/schedules.ts';
import { context, escape, section, slackDate, mention, mentionGroup } from './format.ts';

/** Keys a drift report names before it points at `/sandbox compare` for the rest. */
const DRIFT_KEYS_SHOWN = 20;

/** An approval reminder, in the approval card's thread: it mentions only those who have not voted. */
export function reminderText(r: Reminder, times: number): string {
  const id = formatId('request', r.request.id);
  const who = [...r.waitingOn.map(mention), ...r.groups.map(mentionGroup)];
  const ask = who.length
    ? `${listWords(who)}: please approve or reject it with the buttons of its card.`
    : 'Nobody named in the policy is left to vote; an admin can approve it.';
  return `:bell: Reminder ${r.number} of ${times}: ${id} has waited for approval since ${slackDate(r.request.createdAt)} (${r.approvals} of ${r.environment.approvals.required}). ${ask}`;
}

/** The daily drift report of one staging instance against production, posted only when they differ. */
export function driftReportMessage(report: DriftReport): { text: string; blocks: KnownBlock[] } {
  const { instance, production, differences } = report;
  const by = (change: string) => differences.filter((d) => d.change === change).length;
  const title = differences.length
    ? `:mag: Drift report: ${escape(instance.name)} differs from ${escape(production.name)} in ${count(differences.length, 'component')}`
    : `:mag: Drift report: ${escape(instance.name)} is as ${escape(production.name)}, but its branch moved outside the bot`;
  const summary = `${by('added')} only in ${escape(instance.name)}, ${by('removed')} only in ${escape(production.name)}, ${by('changed')} changed`;
  const shown = differences.slice(0, DRIFT_KEYS_SHOWN).map((d) => `• \`${escape(d.key)}\` ${d.change === 'added' ? `only in ${escape(instance.name)}` : d.change === 'removed' ? `only in ${escape(production.name)}` : 'changed'}`);
  const more = differences.length > DRIFT_KEYS_SHOWN ? `\n…and ${differences.length - DRIFT_KEYS_SHOWN} more.` : '';
  return {
    text: `${title}: ${summary}`,
    blocks: [
      section(`${title}\n${summary}.`),
      ...(report.branchMoved ? [section(`:twisted_rightwards_arrows: ${escape(report.branchMoved)}`)] : []),
      ...(shown.length ? [section(`${shown.join('\n')}${more}`)] : []),
      context(`\`/sandbox compare ${escape(production.name)} ${escape(instance.name)}\` lists every difference. Changes waiting in a queue show here until they reach production.`),
    ],
  };
}

/** To whoever scheduled a deployment that the scheduler could not start. */
export const scheduledDeploymentRefused = (requestId: number, at: Date, reason: string) =>
  `:x: The deployment of ${formatId('request', requestId)} you scheduled for ${slackDate(at)} did not run: ${reason} Schedule it again or deploy it by hand once that is sorted out.`;

/** Requests a digest lists before it points at `/sandbox queue` for the rest (a message holds 50 blocks). */
export const DIGEST_SHOWN = 30;

/** One line of a digest: the request (a link to its card when it has one), who sent it, since when, who holds it, when it expires. */
function digestLine(item: DigestItem, link: string | undefined): string {
  const { request: r, environment } = item;
  const id = formatId('request', r.id);
  const held = r.claimedBy ? ` · :raising_hand: held by ${mention(r.claimedBy)}` : '';
  const expiry = item.expiresSoon && item.expiresAt ? ` · :warning: *expires ${slackDate(item.expiresAt)}*` : '';
  return `• ${link ? `<${link}|*${id}*>` : `*${id}*`} to ${escape(environment.name)} · ${mention(r.requester)} · “${escape(r.message)}” · waiting since ${slackDate(r.createdAt)}${held}${expiry}`;
}

/** The daily digest to one approver: what waits for their vote, oldest first, each a link to its card. */
export function digestMessage(digest: Digest, links: Map<number, string>): { text: string; blocks: KnownBlock[] } {
  const soon = digest.items.filter((i) => i.expiresSoon).length;
  const title = `:inbox_tray: *${count(digest.items.length, 'request')} ${digest.items.length === 1 ? 'waits' : 'wait'} for your vote*, oldest first${soon ? ` (${soon} expiring within a day)` : ''}:`;
  const lines = digest.items.slice(0, DIGEST_SHOWN).map((item) => digestLine(item, links.get(item.request.id)));
  const blocks: KnownBlock[] = [section(title)];
  for (let i = 0; i < lines.length; i += 10) blocks.push(section(lines.slice(i, i + 10).join('\n')));
  if (digest.items.length > DIGEST_SHOWN) blocks.push(context(`…and ${digest.items.length - DIGEST_SHOWN} more: \`/sandbox queue\` lists them all.`));
  blocks.push(context('Open a request to approve or reject it with the buttons of its card. Claimed ones are marked: others may still vote.'));
  return { text: `${count(digest.items.length, 'request')} wait for your vote`, blocks };
}

/** Called in after the last reminder: the card's thread mentions the admins (or the environment's deployers). */
export function escalationText(e: Escalation, times: number): string {
  const id = formatId('request', e.request.id);
  const who = e.calledIn.length ? `${listWords(e.calledIn.map(mention))}: please decide, or find an approver who can.` : 'Nobody is named to call in: add `admins` to the pipeline configuration.';
  return `:rotating_light: ${id} still waits for approval after ${count(times, 'reminder')}, since ${slackDate(e.request.createdAt)}. ${who}`;
}
