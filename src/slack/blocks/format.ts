import type { KnownBlock } from '@slack/types';
import { type Message, spell, type Voice } from '../../domain/message.ts';

/** A date Slack shows in each reader's own time zone; the ISO fallback is for clients that cannot. */
export const slackDate = (at: Date) => `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} at {time}|${at.toISOString()}>`;

/** `4s`, `2m 05s`, `1h 03m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Text from people or components is shown as written, never as markup or mentions. */
export const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Cuts text to Slack's limits with a visible mark. */
export const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, 3000) } });
export const context = (...texts: string[]): KnownBlock => ({ type: 'context', elements: texts.slice(0, 10).map((t) => ({ type: 'mrkdwn', text: clip(t, 2000) })) });
export const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text: clip(text, 150) } });
export const divider: KnownBlock = { type: 'divider' };

export interface ButtonOptions {
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string };
}

export function button(text: string, actionId: string, value: string, options: ButtonOptions = {}) {
  return {
    type: 'button' as const,
    text: { type: 'plain_text' as const, text: clip(text, 75) },
    action_id: actionId,
    value,
    ...(options.style ? { style: options.style } : {}),
    ...(options.confirm
      ? {
          confirm: {
            title: { type: 'plain_text' as const, text: options.confirm.title },
            text: { type: 'mrkdwn' as const, text: options.confirm.text },
            confirm: { type: 'plain_text' as const, text: options.confirm.confirm },
            deny: { type: 'plain_text' as const, text: 'Cancel' },
          },
        }
      : {}),
  };
}

export const actionsBlock = (blockId: string, elements: ReturnType<typeof button>[]): KnownBlock => ({ type: 'actions', block_id: blockId, elements });

/** Lines in code blocks of at most `max` characters each (a section's text holds 3000), escaped: `<` is markup even there. */
export function codeBlocks(lines: readonly string[], max = 2900): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const raw of lines) {
    const line = escape(clip(raw, max - 40));
    if (size + line.length + 1 > max - 8 && current.length) {
      chunks.push(current.join('\n'));
      current = [];
      size = 0;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length) chunks.push(current.join('\n'));
  return chunks.map((c) => `\`\`\`${c}\`\`\``);
}

/** A person as Slack shows them; the bot's own actors (`scheduler`, `system`) by name, since they are nobody to mention. */
export const mention = (user: string) => (/^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : `_${escape(user)}_`);
export const mentionGroup = (group: string) => `<!subteam^${group}>`;

/** How Slack names people and commands: mentions, and `/sandbox …`. */
const slackVoice: Voice = { person: mention, group: mentionGroup, command: (args) => `\`/sandbox ${escape(args)}\``, text: escape };

/** A message of the domain (a refusal, a warning) as Slack shows it. */
export const inSlack = (message: Message | string) => spell(message, slackVoice);
