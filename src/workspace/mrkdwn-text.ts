/** Slack's mrkdwn as a terminal shows it: mentions and channels by name, dates in the reader's zone, emphasis as ANSI styles, lines wrapped to the width. */
import { emojify } from 'node-emoji';
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** Who and what the ids in messages name: users (U…/W…), channels (C…/G…/D…), user groups (S…). */
export interface Directory {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
  groupName?(id: string): string | undefined;
}

export interface RenderOptions {
  /** ANSI styles (bold for *bold*, dim for context, colour for primary/danger buttons); off by default. */
  color?: boolean;
  /** IANA zone for <!date^…> tokens; default the process's zone. */
  timeZone?: string;
  /** Columns to wrap text at (default 100); no wrapping inside code blocks. */
  width?: number;
}

/** A button as the console needs it to press it. */
export interface ButtonRef {
  label: string;
  actionId: string;
  value?: string;
  blockId?: string;
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/** Numbers a button as it is rendered (the console keeps a registry); returns the number to show. */
export type NumberButton = (button: ButtonRef) => number;

export type Json = Record<string, any>;

export interface Reader {
  dir: Directory;
  number: NumberButton;
  color: boolean;
  timeZone: string | undefined;
  width: number;
}

export const reader = (dir: Directory, number: NumberButton, o: RenderOptions = {}): Reader => ({
  dir,
  number,
  color: o.color ?? false,
  timeZone: o.timeZone,
  width: o.width ?? 100,
});

const noButtons: NumberButton = () => 0;

// ─── Styles ──────────────────────────────────────────────────────────────────────────────────────────────

const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
/** Ends bold and dim alike. */
const NORMAL = '\x1b[22m';
export const BUTTON_COLOR = { primary: '\x1b[32m', danger: '\x1b[31m' } as const;
export const DEFAULT_COLOR = '\x1b[39m';

export const bold = (text: string, r: Reader) => (r.color ? `${BOLD}${text}${NORMAL}` : text);

/** Dims a line; bold inside it ends with NORMAL, which ends the dim too, so the dim is taken up again. */
export const dim = (line: string, r: Reader) => (r.color && line ? `${DIM}${line.replaceAll(NORMAL, NORMAL + DIM)}${NORMAL}` : line);

// ─── Width and wrapping ──────────────────────────────────────────────────────────────────────────────────

/** Columns a line takes in a terminal: ANSI styles take none, emoji and CJK take two. */
export const visibleWidth = (line: string) => stringWidth(line);

/** The indentation a line's continuations keep: quote bars stay, list marks become spaces. */
function indentation(line: string): { first: string; next: string } {
  const [, space = '', mark = ''] = /^(\s*)((?:[▎│] )*(?:[•◦▪-] |\d+\. )?)/u.exec(line) ?? [];
  const bars = /^(?:[▎│] )*/u.exec(mark)![0];
  return { first: space + mark, next: space + bars + ' '.repeat(visibleWidth(mark) - visibleWidth(bars)) };
}

/** Breaks a line at spaces so that no piece is wider than `width`, its continuations indented like its start. */
export function wrapLine(line: string, width: number): string[] {
  if (visibleWidth(line) <= width) return [line];
  const { first, next } = indentation(line);
  const room = Math.max(1, width - visibleWidth(first));
  return wrapAnsi(line.slice(first.length), room, { trim: true })
    .split('\n')
    .map((piece, i) => (i === 0 ? first : next) + piece);
}

export const wrapAll = (lines: readonly string[], width: number) => lines.flatMap((line) => wrapLine(line, width));

export const indent = (lines: readonly string[], prefix: string) => lines.map((line) => (line ? prefix + line : line));

// ─── mrkdwn ──────────────────────────────────────────────────────────────────────────────────────────────

/** `&lt;` `&gt;` `&amp;` back to their characters, in one pass so that `&amp;lt;` becomes `&lt;`. */
const unescape = (text: string) => text.replace(/&(lt|gt|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', amp: '&' })[name]!);

// A mark wraps words only when it opens after a non-word character and closes before one (`dev_alice` stays).
const EMPHASIS = {
  bold: /(^|[^\p{L}\p{N}_*])\*([^\s*](?:[^*\n]*?[^\s*])?)\*(?![\p{L}\p{N}_*])/gu,
  italic: /(^|[^\p{L}\p{N}_])_([^\s_](?:[^_\n]*?[^\s_])?)_(?![\p{L}\p{N}_])/gu,
  strike: /(^|[^\p{L}\p{N}_~])~([^\s~](?:[^~\n]*?[^\s~])?)~(?![\p{L}\p{N}_~])/gu,
};

function emphasis(text: string, r: Reader): string {
  return text
    .replace(EMPHASIS.bold, (_, before: string, words: string) => before + bold(words, r))
    .replace(EMPHASIS.italic, '$1$2')
    .replace(EMPHASIS.strike, '$1$2');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const ordinal = (day: number) => {
  const suffix = day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th';
  return `${day}${suffix}`;
};

interface DateParts {
  year: string;
  month: number;
  day: number;
  weekday: string;
  hour: string;
  minute: string;
  second: string;
}

function dateParts(at: Date, timeZone: string | undefined): DateParts {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const part = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: part.year!, month: Number(part.month), day: Number(part.day), weekday: part.weekday!, hour: part.hour!, minute: part.minute!, second: part.second! };
}

// The "pretty" forms would say "today" or "yesterday"; rendering does not know the time, so they show the date.
const DATE_TOKENS: Record<string, (d: DateParts) => string> = {
  date_num: (d) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
  date: (d) => `${MONTHS[d.month - 1]} ${ordinal(d.day)}, ${d.year}`,
  date_pretty: (d) => DATE_TOKENS.date!(d),
  date_short: (d) => `${MONTHS[d.month - 1]!.slice(0, 3)} ${d.day}, ${d.year}`,
  date_short_pretty: (d) => DATE_TOKENS.date_short!(d),
  date_long: (d) => `${d.weekday}, ${DATE_TOKENS.date!(d)}`,
  date_long_pretty: (d) => DATE_TOKENS.date_long!(d),
  time: (d) => `${d.hour}:${d.minute}`,
  time_secs: (d) => `${d.hour}:${d.minute}:${d.second}`,
};

/** `<!date^epoch^format|fallback>` in the reader's zone; the fallback when the format asks for what is not known here. */
export function slackDateText(epoch: string, format: string, fallback: string | undefined, r: Reader): string {
  const at = new Date(Number(epoch) * 1000);
  const tokens = [...format.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  if (Number.isNaN(at.getTime()) || tokens.some((t) => !DATE_TOKENS[t])) return unescape(fallback ?? format);
  const parts = dateParts(at, r.timeZone);
  return unescape(format.replace(/\{(\w+)\}/g, (_, token: string) => DATE_TOKENS[token]!(parts)));
}

const withoutAt = (label: string | undefined) => label?.replace(/^@/, '') || undefined;

/** One `<…>` of mrkdwn: a mention, a channel, a user group, a special mention, a date or a link. */
function angleToken(body: string, r: Reader): string {
  const bar = body.indexOf('|');
  const target = bar < 0 ? body : body.slice(0, bar);
  const label = bar < 0 ? undefined : unescape(body.slice(bar + 1));
  if (target.startsWith('@')) return `@${r.dir.userName(target.slice(1)) ?? withoutAt(label) ?? target.slice(1)}`;
  if (target.startsWith('#')) return `#${r.dir.channelName(target.slice(1)) ?? label?.replace(/^#/, '') ?? target.slice(1)}`;
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    return `@${r.dir.groupName?.(id) ?? withoutAt(label) ?? id}`;
  }
  if (target.startsWith('!date^')) {
    const [, epoch = '', format = ''] = target.split('^');
    return slackDateText(epoch, format, label, r);
  }
  if (target.startsWith('!')) return `@${withoutAt(label) ?? target.slice(1)}`;
  const url = unescape(target);
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return label && label !== url ? `${label} (${url})` : url;
  return `<${unescape(body)}>`;
}

/**
 * One line of mrkdwn as text. Inline code and `<…>` tokens are set aside first, so that neither marks nor emoji
 * nor unescaping touch them, and put back at the end.
 */
function inlineText(line: string, r: Reader): string {
  const kept: string[] = [];
  const keep = (text: string) => `\ue000${kept.push(text) - 1}\ue001`;
  const text = line.replace(/`[^`\n]+`/g, (code) => keep(unescape(code))).replace(/<([^<>\n]*)>/g, (_, body: string) => keep(angleToken(body, r)));
  return unescape(emojify(emphasis(text, r))).replace(/\ue000(\d+)\ue001/g, (_, i: string) => kept[Number(i)]!);
}

const proseLine = (line: string, r: Reader) => (line.startsWith('>') ? `  ▎ ${inlineText(line.slice(1).replace(/^ /, ''), r)}` : inlineText(line, r));

const codeLines = (code: string) => code.replace(/^\n/, '').replace(/\n$/, '').split('\n').map((line) => `  │ ${unescape(line)}`);

type Part = { code: boolean; text: string };

/** Prose and ``` code blocks in order; a code block takes lines of its own, so the newlines next to it go. */
function parts(text: string): Part[] {
  const found: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(/```([\s\S]*?)```/g)) {
    found.push({ code: false, text: text.slice(last, m.index) }, { code: true, text: m[1]! });
    last = m.index + m[0].length;
  }
  if (!found.length) return [{ code: false, text }];
  found.push({ code: false, text: text.slice(last) });
  const trimmed = (p: Part, i: number): Part => {
    const after = i > 0 ? p.text.replace(/^\n?[ \t]*/, '') : p.text;
    return { code: false, text: i < found.length - 1 ? after.replace(/[ \t]*\n?$/, '') : after };
  };
  return found.map((p, i) => (p.code ? p : trimmed(p, i))).filter((p) => p.code || p.text !== '');
}

/** mrkdwn as lines at most `width` wide (code blocks excepted). */
export function mrkdwnLines(text: string, r: Reader, width = r.width): string[] {
  return parts(text).flatMap((p) => (p.code ? codeLines(p.text) : wrapAll(p.text.split('\n').map((line) => proseLine(line, r)), width)));
}

/** plain_text as written, with its emoji shortcodes. */
export const plainText = (object: Json | undefined) => (object?.emoji === false ? String(object?.text ?? '') : emojify(String(object?.text ?? '')));

/** A text object (mrkdwn or plain_text) as lines at most `width` wide. */
export function textLines(object: Json | undefined, r: Reader, width = r.width): string[] {
  if (!object) return [];
  if (object.type === 'mrkdwn') return mrkdwnLines(String(object.text ?? ''), r, width);
  return wrapAll(plainText(object).split('\n'), width);
}

/** A text object on one line (option labels, context elements). */
export const oneLine = (object: Json | undefined, r: Reader) => textLines(object, r, Infinity).join(' ');

export function mrkdwnToText(text: string, dir: Directory, o?: RenderOptions): string {
  return mrkdwnLines(text, reader(dir, noButtons, o)).join('\n');
}
