import type { KnownBlock } from '@slack/types';
import { formatId } from '../../domain/ids.ts';
import { count, listWords } from '../../domain/pipeline.ts';
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
  const title = `:mag: Drift report: ${escape(instance.name)} differs from ${escape(production.name)} in ${count(differences.length, 'component')}`;
  const summary = `${by('added')} only in ${escape(instance.name)}, ${by('removed')} only in ${escape(production.name)}, ${by('changed')} changed`;
  const shown = differences.slice(0, DRIFT_KEYS_SHOWN).map((d) => `• \`${escape(d.key)}\` ${d.change === 'added' ? `only in ${escape(instance.name)}` : d.change === 'removed' ? `only in ${escape(production.name)}` : 'changed'}`);
  const more = differences.length > DRIFT_KEYS_SHOWN ? `\n…and ${differences.length - DRIFT_KEYS_SHOWN} more.` : '';
  return {
    text: `${title}: ${summary}`,
    blocks: [
      section(`${title}\n${summary}.`),
      section(`${shown.join('\n')}${more}`),
      context(`\`/sandbox compare ${escape(production.name)} ${escape(instance.name)}\` lists every difference. Changes waiting in a queue show here until they reach production.`),
    ],
  };
}

/** To whoever scheduled a deployment that the scheduler could not start. */
export const scheduledDeploymentRefused = (requestId: number, at: Date, reason: string) =>
  `:x: The deployment of ${formatId('request', requestId)} you scheduled for ${slackDate(at)} did not run: ${reason} Schedule it again or deploy it by hand once that is sorted out.`;
