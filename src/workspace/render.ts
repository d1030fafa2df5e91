import { emojify } from 'node-emoji';
import {
  BUTTON_COLOR,
  bold,
  type ButtonRef,
  DEFAULT_COLOR,
  type Directory,
  dim,
  indent,
  type Json,
  mrkdwnLines,
  type NumberButton,
  oneLine,
  plainText,
  type Reader,
  type RenderOptions,
  reader,
  slackDateText,
  textLines,
  visibleWidth,
  wrapAll,
  wrapLine,
} from './mrkdwn-text.ts';

export { type ButtonRef, type Directory, mrkdwnToText, type NumberButton, type RenderOptions, visibleWidth } from './mrkdwn-text.ts';

/** Block Kit as a terminal shows it: messages, modals and App Home as lines of text, their buttons numbered. */


// ─── Elements ────────────────────────────────────────────────────────────────────────────────────────────

function buttonRef(e: Json, blockId: string | undefined, r: Reader): ButtonRef {
  const c = e.confirm as Json | undefined;
  return {
    label: plainText(e.text),
    actionId: String(e.action_id ?? ''),
    ...(e.value !== undefined ? { value: String(e.value) } : {}),
    ...(blockId !== undefined ? { blockId } : {}),
    ...(e.style === 'primary' || e.style === 'danger' ? { style: e.style } : {}),
    ...(c
      ? {
          confirm: {
            title: plainText(c.title),
            text: textLines(c.text, r).join('\n'),
            confirm: c.confirm ? plainText(c.confirm) : 'Confirm',
            deny: c.deny ? plainText(c.deny) : 'Cancel',
          },
        }
      : {}),
  };
}

function buttonText(e: Json, blockId: string | undefined, r: Reader): string {
  const ref = buttonRef(e, blockId, r);
  const text = `[${r.number(ref)} ${ref.label}]`;
  return r.color && ref.style ? `${BUTTON_COLOR[ref.style]}${text}${DEFAULT_COLOR}` : text;
}

/** Options of a select, overflow, checkboxes or radio buttons, option groups flattened. */
const optionsOf = (e: Json): Json[] => [...(e.options ?? []), ...(e.option_groups ?? []).flatMap((g: Json) => g.options ?? [])];

const controlName = (type: string) => (type.endsWith('_select') ? 'select' : type.replace(/_/g, ' '));

/** An element that is not a button, as a placeholder: `⟨select: a / b⟩`. */
function controlText(e: Json, r: Reader): string {
  if (e.type === 'image') return `[image: ${e.alt_text ?? ''}]`;
  const what = e.placeholder ? plainText(e.placeholder) : optionsOf(e).map((opt) => oneLine(opt.text, r)).join(' / ');
  return `⟨${controlName(String(e.type))}${what ? `: ${what}` : ''}⟩`;
}

const elementText = (e: Json, blockId: string | undefined, r: Reader) => (e.type === 'button' ? buttonText(e, blockId, r) : controlText(e, r));

/** Pieces side by side, two spaces apart, on as many lines as the width needs. */
function packed(pieces: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const piece of pieces) {
    const last = lines.at(-1);
    if (last !== undefined && visibleWidth(last) + 2 + visibleWidth(piece) <= width) lines[lines.length - 1] = `${last}  ${piece}`;
    else lines.push(piece);
  }
  return lines;
}

// ─── Blocks ──────────────────────────────────────────────────────────────────────────────────────────────

function headerLines(b: Json, r: Reader): string[] {
  const lines = wrapAll([plainText(b.text)], r.width);
  if (r.color) return lines.map((line) => bold(line, r));
  return [...lines, '─'.repeat(Math.max(...lines.map(visibleWidth)))];
}

function sectionLines(b: Json, r: Reader): string[] {
  const lines = textLines(b.text, r);
  const fieldIndent = lines.length ? '  ' : '';
  for (const field of (b.fields ?? []) as Json[]) lines.push(...indent(textLines(field, r, r.width - fieldIndent.length), fieldIndent));
  if (b.accessory) lines.push(elementText(b.accessory, b.block_id, r));
  return lines;
}

function contextLines(b: Json, r: Reader): string[] {
  const pieces = ((b.elements ?? []) as Json[]).map((e) => (e.type === 'image' ? `[image: ${e.alt_text ?? ''}]` : oneLine(e, r)));
  return wrapLine(pieces.join(' · '), r.width).map((line) => dim(line, r));
}

/** Rich text elements (text, links, mentions, emoji) as one string. */
function richInline(elements: readonly Json[], r: Reader): string {
  return elements.map((e) => richElement(e, r)).join('');
}

function richElement(e: Json, r: Reader): string {
  switch (e.type) {
    case 'text': {
      const text = String(e.text ?? '');
      if (e.style?.code) return `\`${text}\``;
      return e.style?.bold ? bold(text, r) : text;
    }
    case 'link':
      return e.text && e.text !== e.url ? `${e.text} (${e.url})` : String(e.url ?? '');
    case 'user':
      return `@${r.dir.userName(e.user_id) ?? e.user_id}`;
    case 'channel':
      return `#${r.dir.channelName(e.channel_id) ?? e.channel_id}`;
    case 'usergroup':
      return `@${r.dir.groupName?.(e.usergroup_id) ?? e.usergroup_id}`;
    case 'broadcast':
      return `@${e.range}`;
    case 'emoji':
      return emojify(`:${e.name}:`);
    case 'date':
      return slackDateText(String(e.timestamp), String(e.format ?? ''), e.fallback, r);
    default:
      return String(e.text ?? '');
  }
}

function richTextPart(e: Json, r: Reader): string[] {
  const text = () => richInline(e.elements ?? [], r);
  switch (e.type) {
    case 'rich_text_preformatted':
      return text().split('\n').map((line) => `  │ ${line}`);
    case 'rich_text_quote':
      return wrapAll(text().split('\n').map((line) => `  ▎ ${line}`), r.width);
    case 'rich_text_list': {
      const lead = '  '.repeat(e.indent ?? 0);
      const mark = (i: number) => (e.style === 'ordered' ? `${(e.offset ?? 0) + i + 1}.` : '•');
      return wrapAll(((e.elements ?? []) as Json[]).map((item, i) => `${lead}${mark(i)} ${richInline(item.elements ?? [], r)}`), r.width);
    }
    default:
      return wrapAll(text().split('\n'), r.width);
  }
}

const INPUT_KINDS: Record<string, string> = {
  plain_text_input: 'text',
  static_select: 'choose one',
  external_select: 'choose one',
  radio_buttons: 'choose one',
  multi_static_select: 'choose any',
  multi_external_select: 'choose any',
  checkboxes: 'tick any',
  users_select: 'a person',
  multi_users_select: 'people',
  conversations_select: 'a conversation',
  multi_conversations_select: 'conversations',
  channels_select: 'a channel',
  multi_channels_select: 'channels',
  datepicker: 'a date',
  timepicker: 'a time',
  datetimepicker: 'a date and time',
  number_input: 'a number',
  email_text_input: 'an email address',
  url_text_input: 'a URL',
};

function inputKind(e: Json): string {
  const kind = INPUT_KINDS[e.type] ?? String(e.type);
  const what = e.type === 'plain_text_input' && e.multiline ? 'text, several lines' : kind;
  return `⟨${what}${e.placeholder ? `: ${plainText(e.placeholder)}` : ''}⟩`;
}

/** What an input holds before anyone touches it, as text; undefined when it is empty. */
function initialValue(e: Json, r: Reader): string | undefined {
  const users = (ids: string[]) => ids.map((id) => `@${r.dir.userName(id) ?? id}`).join(', ');
  const channels = (ids: string[]) => ids.map((id) => `#${r.dir.channelName(id) ?? id}`).join(', ');
  if (e.initial_value !== undefined && e.initial_value !== '') return String(e.initial_value);
  if (e.initial_option) return oneLine(e.initial_option.text, r);
  if (e.initial_options?.length) return (e.initial_options as Json[]).map((opt) => oneLine(opt.text, r)).join(', ');
  if (e.initial_user) return users([e.initial_user]);
  if (e.initial_users?.length) return users(e.initial_users);
  const channel = e.initial_conversation ?? e.initial_channel;
  if (channel) return channels([channel]);
  const many = e.initial_conversations ?? e.initial_channels;
  if (many?.length) return channels(many);
  if (e.initial_date_time !== undefined) return slackDateText(String(e.initial_date_time), '{date_short} {time}', undefined, r);
  return e.initial_date ?? e.initial_time;
}

function inputLines(b: Json, r: Reader): string[] {
  const e = (b.element ?? {}) as Json;
  const lines = [`▸ ${bold(plainText(b.label), r)}${b.optional ? ' (optional)' : ''}`];
  if (b.hint) lines.push(...indent(textLines(b.hint, r, r.width - 4), '    ').map((line) => dim(line, r)));
  lines.push(...wrapAll([`    ${inputKind(e)}`], r.width));
  lines.push(...wrapAll(optionsOf(e).map((opt, i) => `      ${i + 1}. ${oneLine(opt.text, r)}`), r.width));
  const initial = initialValue(e, r);
  if (initial !== undefined) lines.push(...wrapAll(initial.split('\n').map((line, i) => `    ${i ? '  ' : '= '}${line}`), r.width));
  return lines;
}

function blockLines(b: Json, r: Reader): string[] {
  switch (b.type) {
    case 'header':
      return headerLines(b, r);
    case 'section':
      return sectionLines(b, r);
    case 'context':
      return contextLines(b, r);
    case 'divider':
      return ['─'.repeat(Math.min(40, r.width))];
    case 'actions':
      return packed(((b.elements ?? []) as Json[]).map((e) => elementText(e, b.block_id, r)), r.width);
    case 'rich_text':
      return ((b.elements ?? []) as Json[]).flatMap((e) => richTextPart(e, r));
    case 'markdown':
      return mrkdwnLines(String(b.text ?? ''), r);
    case 'image':
      return [`[image: ${b.alt_text ?? plainText(b.title)}]`];
    case 'input':
      return inputLines(b, r);
    default:
      return [`[${b.type} block]`];
  }
}

/** Blocks one after another; a header after other blocks gets a blank line above it. */
function blocksLines(blocks: readonly Json[], r: Reader): string[] {
  const lines: string[] = [];
  for (const b of blocks) {
    if (b.type === 'header' && lines.length) lines.push('');
    lines.push(...blockLines(b, r));
  }
  return lines;
}

export function renderBlocks(blocks: readonly Record<string, any>[], dir: Directory, number: NumberButton, o?: RenderOptions): string[] {
  return blocksLines(blocks, reader(dir, number, o));
}

/** A message: its blocks when it has any, else its text. */
export function renderMessage(
  message: { text?: string; blocks?: readonly Record<string, any>[]; files?: readonly { name: string; title?: string }[] },
  dir: Directory,
  number: NumberButton,
  o?: RenderOptions,
): string[] {
  const files = (message.files ?? []).map((f) => `📎 ${f.title ?? f.name} (${f.name})`);
  if (message.blocks?.length) return [...renderBlocks(message.blocks, dir, number, o), ...files];
  return [...(message.text ? mrkdwnLines(message.text, reader(dir, number, o)) : []), ...files];
}

/** A modal or App Home in a frame: its title on top, its blocks, and a modal's submit and close labels below. */
export function renderView(view: Record<string, any>, dir: Directory, number: NumberButton, o?: RenderOptions): string[] {
  const r = reader(dir, number, o);
  const body = blocksLines(view.blocks ?? [], { ...r, width: r.width - 2 }).map((line) => (line ? `│ ${line}` : '│'));
  if (view.type === 'home') return [`┌ ${bold('Home', r)}`, ...body, '└'];
  const buttons = [view.submit && `[${plainText(view.submit)}]`, `[${view.close ? plainText(view.close) : 'Cancel'}]`].filter(Boolean);
  return [`┌ ${bold(plainText(view.title), r)}`, ...body, `└ ${buttons.join('  ')}`];
}
