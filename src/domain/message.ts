/**
 * What the domain says to people (refusals, warnings) is the same in every adapter but for two things each adapter
 * spells its own way: people (a mention in Slack, a name in a terminal) and commands to type (`/sandbox unlock X` in
 * Slack, `sandbox unlock X` on the command line). A message keeps those as parts; `spell` writes it out in a voice.
 */
export type MessagePart = string | { person: string } | { group: string } | { command: string };
export type Message = readonly MessagePart[];

/** A Slack user, by id. */
export const person = (id: string): MessagePart => ({ person: id });
/** A Slack user group, by id. */
export const group = (id: string): MessagePart => ({ group: id });
/** A `sandbox` command by its words after the command's name: `command('unlock Production')`. */
export const command = (args: string): MessagePart => ({ command: args });

type Piece = string | number | MessagePart | Message;

const isMessage = (piece: Piece): piece is Message => Array.isArray(piece);

/** Appends pieces, joining neighbouring text, so that a message reads as few parts as it can. */
function join(pieces: readonly Piece[]): Message {
  const parts: MessagePart[] = [];
  for (const piece of pieces.flatMap((p): readonly (MessagePart | number)[] => (isMessage(p) ? p : [p]))) {
    const part: MessagePart = typeof piece === 'number' ? String(piece) : piece;
    const last = parts[parts.length - 1];
    if (typeof part === 'string' && typeof last === 'string') parts[parts.length - 1] = last + part;
    else if (part !== '') parts.push(part);
  }
  return parts;
}

/** A message written as a template: `` msg`Only ${person(id)} can revert it.` ``. */
export function msg(strings: TemplateStringsArray, ...values: Piece[]): Message {
  return join(strings.flatMap((s, i) => (i < values.length ? [s, values[i]!] : [s])));
}

/** `a`, `a and b`, `a, b or c`. */
export function listing(items: readonly Piece[], conjunction = 'and'): Message {
  if (items.length <= 1) return join(items);
  return join([...items.slice(0, -1).flatMap((item, i) => (i === 0 ? [item] : [', ', item])), ` ${conjunction} `, items[items.length - 1]!]);
}

/** How an adapter spells the parts that differ between adapters. */
export interface Voice {
  person(id: string): string;
  group(id: string): string;
  /** The whole command to type, as shown inline, from its words (`unlock Production`). */
  command(args: string): string;
  /** The text between those parts, where the medium needs it escaped. */
  text?(text: string): string;
}

/** Plain text, as logs and `Error.message` carry it: people by id, commands as the command line's. */
export const plainVoice: Voice = {
  person: (id) => `@${id}`,
  group: (id) => `@${id}`,
  command: (args) => `\`sandbox ${args}\``,
};

export function spell(message: Message | string, voice: Voice): string {
  const text = voice.text ?? ((t: string) => t);
  if (typeof message === 'string') return text(message);
  return message
    .map((part) => (typeof part === 'string' ? text(part) : 'person' in part ? voice.person(part.person) : 'group' in part ? voice.group(part.group) : voice.command(part.command)))
    .join('');
}
