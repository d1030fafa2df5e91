/**
 * Slack's Block Kit limits, checked as Slack checks them: a message or view that breaks one is refused
 * (`invalid_blocks`, `msg_too_long`, `invalid_arguments`) with the reason, so that the bot's tests and the local
 * workspace meet the refusal that a real workspace would give.
 */

type Json = Record<string, any>;

const MESSAGE_BLOCKS = 50;
const VIEW_BLOCKS = 100;

const textOf = (object: Json | undefined): string => String(object?.text ?? '');

function tooLong(what: string, value: string | undefined, max: number): string | undefined {
  return value !== undefined && value.length > max ? `${what} is ${value.length} characters; at most ${max}` : undefined;
}

function optionProblems(options: Json[] | undefined, max: number, where: string): (string | undefined)[] {
  const list = options ?? [];
  return [
    list.length > max ? `${where} has ${list.length} options; at most ${max}` : undefined,
    ...list.flatMap((o, i) => [tooLong(`${where} option ${i + 1} text`, textOf(o.text), 75), tooLong(`${where} option ${i + 1} value`, o.value, 75)]),
  ];
}

function elementProblems(e: Json, where: string): (string | undefined)[] {
  const common = [tooLong(`${where} action_id`, e.action_id, 255)];
  switch (e.type) {
    case 'button':
      return [
        ...common,
        tooLong(`${where} button text`, textOf(e.text), 75),
        tooLong(`${where} button value`, e.value, 2000),
        tooLong(`${where} confirm title`, e.confirm && textOf(e.confirm.title), 100),
        tooLong(`${where} confirm text`, e.confirm && textOf(e.confirm.text), 300),
      ];
    case 'static_select':
    case 'multi_static_select':
      return [...common, ...optionProblems(e.options, 100, where)];
    case 'checkboxes':
    case 'radio_buttons':
      return [...common, ...optionProblems(e.options, 10, where)];
    case 'plain_text_input':
      return [...common, e.max_length > 3000 ? `${where} max_length is ${e.max_length}; at most 3000` : undefined];
    default:
      return common;
  }
}

function blockProblems(b: Json, i: number): (string | undefined)[] {
  const where = `block ${i + 1} (${b.type})`;
  const id = tooLong(`${where} block_id`, b.block_id, 255);
  switch (b.type) {
    case 'section': {
      const fields = (b.fields ?? []) as Json[];
      return [
        id,
        b.text && !textOf(b.text) ? `${where} text is empty` : tooLong(`${where} text`, b.text && textOf(b.text), 3000),
        fields.length > 10 ? `${where} has ${fields.length} fields; at most 10` : undefined,
        ...fields.map((f, n) => tooLong(`${where} field ${n + 1}`, textOf(f), 2000)),
        ...(b.accessory ? elementProblems(b.accessory, where) : []),
      ];
    }
    case 'header':
      return [id, tooLong(`${where} text`, textOf(b.text), 150)];
    case 'context':
      return [id, (b.elements ?? []).length > 10 ? `${where} has ${b.elements.length} elements; at most 10` : undefined];
    case 'actions': {
      const elements = (b.elements ?? []) as Json[];
      return [id, elements.length > 25 ? `${where} has ${elements.length} elements; at most 25` : undefined, ...elements.flatMap((e) => elementProblems(e, where))];
    }
    case 'input':
      return [id, tooLong(`${where} label`, textOf(b.label), 2000), tooLong(`${where} hint`, b.hint && textOf(b.hint), 2000), ...elementProblems(b.element ?? {}, where)];
    default:
      return [id];
  }
}

const problemsOf = (blocks: Json[]) => blocks.flatMap(blockProblems).filter((p): p is string => p !== undefined);

const refusal = (error: string, problems: string[]) => ({ ok: false, error, response_metadata: { messages: problems } });

/** A message's refusal, or undefined when Slack would take it. `update`: chat.update, which refuses long text. */
export function messageRefusal(args: Json, o: { update?: boolean } = {}): Json | undefined {
  if (o.update && typeof args.text === 'string' && args.text.length > 4000) return refusal('msg_too_long', [`text is ${args.text.length} characters; chat.update takes at most 4000`]);
  if (!Array.isArray(args.blocks)) return undefined;
  const problems = [args.blocks.length > MESSAGE_BLOCKS ? `${args.blocks.length} blocks; a message holds at most ${MESSAGE_BLOCKS}` : undefined, ...problemsOf(args.blocks)].filter(
    (p): p is string => p !== undefined,
  );
  return problems.length ? refusal('invalid_blocks', problems) : undefined;
}

/** A view's refusal (modal or Home tab), or undefined when Slack would take it. */
export function viewRefusal(view: Json | undefined): Json | undefined {
  if (!view || typeof view !== 'object') return refusal('invalid_arguments', ['view is missing']);
  const blocks = (view.blocks ?? []) as Json[];
  const modal = view.type === 'modal';
  const problems = [
    blocks.length > VIEW_BLOCKS ? `${blocks.length} blocks; a view holds at most ${VIEW_BLOCKS}` : undefined,
    tooLong('private_metadata', view.private_metadata, 3000),
    tooLong('callback_id', view.callback_id, 255),
    ...(modal ? [tooLong('title', textOf(view.title), 24), tooLong('submit', view.submit && textOf(view.submit), 24), tooLong('close', view.close && textOf(view.close), 24)] : []),
    modal && !view.submit && blocks.some((b) => b.type === 'input') ? 'a modal with input blocks needs a submit button' : undefined,
    ...problemsOf(blocks),
  ].filter((p): p is string => p !== undefined);
  return problems.length ? refusal('invalid_arguments', problems) : undefined;
}
