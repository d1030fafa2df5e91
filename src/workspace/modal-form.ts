import type { Directory } from './people.ts';

type Json = Record<string, any>;

export interface FieldOption {
  text: string;
  value: string;
}

/** One input of a modal, as the console asks for it. */
export interface FormField {
  blockId: string;
  actionId: string;
  label: string;
  optional: boolean;
  hint?: string;
  kind: 'text' | 'select' | 'checkboxes' | 'multiselect' | 'users';
  multiline: boolean;
  options: FieldOption[];
  /** What the field holds before anything is typed: its initial value, option or ticks. */
  initial: Json;
}

const KINDS: Record<string, FormField['kind']> = {
  plain_text_input: 'text',
  static_select: 'select',
  checkboxes: 'checkboxes',
  multi_static_select: 'multiselect',
  multi_users_select: 'users',
};

const optionOf = (o: Json): FieldOption => ({ text: String(o.text?.text ?? o.value), value: String(o.value) });

/** The inputs of a view, in order; inputs of a kind the console cannot fill are left out. */
export function formFields(view: Json): FormField[] {
  return ((view.blocks ?? []) as Json[]).flatMap((block) => {
    const element = block.element ?? {};
    const kind = block.type === 'input' ? KINDS[element.type] : undefined;
    if (!kind) return [];
    const field: Omit<FormField, 'initial'> = {
      blockId: block.block_id,
      actionId: element.action_id,
      label: String(block.label?.text ?? block.block_id),
      optional: Boolean(block.optional),
      ...(block.hint?.text ? { hint: String(block.hint.text) } : {}),
      kind,
      multiline: Boolean(element.multiline),
      options: ((element.options ?? []) as Json[]).map(optionOf),
    };
    return [{ ...field, initial: initialState(kind, element) }];
  });
}

function initialState(kind: FormField['kind'], element: Json): Json {
  switch (kind) {
    case 'text':
      return text(element.initial_value ?? null);
    case 'select':
      return select(element.initial_option ? optionOf(element.initial_option) : null);
    case 'checkboxes':
    case 'multiselect':
      return chosen(kind, ((element.initial_options ?? []) as Json[]).map(optionOf));
    case 'users':
      return { type: 'multi_users_select', selected_users: element.initial_users ?? [] };
  }
}

const text = (value: string | null) => ({ type: 'plain_text_input', value });
const plain = (o: FieldOption) => ({ text: { type: 'plain_text', text: o.text }, value: o.value });
const select = (o: FieldOption | null) => ({ type: 'static_select', selected_option: o ? plain(o) : null });
/** Ticked boxes, or options chosen in a multi-select: the same list, under the element's own type. */
const chosen = (kind: 'checkboxes' | 'multiselect', os: FieldOption[]) => ({ type: kind === 'checkboxes' ? 'checkboxes' : 'multi_static_select', selected_options: os.map(plain) });

/** Whether a state value holds anything (Slack refuses to submit a required input that does not). */
function filled(state: Json): boolean {
  return Boolean(state.value || state.selected_option || state.selected_options?.length || state.selected_users?.length);
}

/** How the console asks for a field: its label, whether it may stay empty, what it takes, and its options. */
export function promptFor(field: FormField, dir: Directory): string[] {
  const needs = field.optional ? 'optional' : 'required';
  const keeps = describeState(field.initial, dir);
  const how: Record<FormField['kind'], string> = {
    text: field.multiline ? 'text; \\n starts a new line' : 'text',
    select: 'a number or a name from the list',
    checkboxes: 'the numbers to tick, e.g. 1,2, or "none"',
    multiselect: 'the numbers to choose, e.g. 1,2, or "none"',
    users: 'names, e.g. alice, bob, or "none"',
  };
  const lines = [`${field.label} (${needs}; ${how[field.kind]}${keeps ? `; Enter keeps ${keeps}` : ''})`];
  if (field.hint) lines.push(`  ${field.hint}`);
  field.options.forEach((o, i) => lines.push(`  ${i + 1}. ${o.text}`));
  return lines;
}

function describeState(state: Json, dir: Directory): string {
  if (state.value) return `“${state.value}”`;
  if (state.selected_option) return `“${state.selected_option.text.text}”`;
  if (state.selected_options?.length) return state.selected_options.map((o: Json) => `“${o.text.text}”`).join(', ');
  if (state.selected_users?.length) return state.selected_users.map((u: string) => `@${dir.userName(u) ?? u}`).join(', ');
  return '';
}

export type Answer = { state: Json } | { error: string };

/** Reads what was typed for a field into the value Slack would send, or says why it cannot. */
export function answer(field: FormField, typed: string, dir: Directory): Answer {
  const raw = typed.trim();
  const state = raw === '' ? field.initial : raw.toLowerCase() === 'none' && field.kind !== 'text' ? emptyState(field) : parse(field, raw, dir);
  if ('error' in state) return { error: String(state.error) };
  if (!field.optional && !filled(state)) return { error: `${field.label} is required.` };
  return { state };
}

function emptyState(field: FormField): Json {
  if (field.kind === 'users') return { type: 'multi_users_select', selected_users: [] };
  return field.kind === 'select' ? select(null) : chosen(field.kind === 'multiselect' ? 'multiselect' : 'checkboxes', []);
}

function parse(field: FormField, raw: string, dir: Directory): Json {
  switch (field.kind) {
    case 'text':
      return text(raw.replace(/\\n/g, '\n'));
    case 'select': {
      const option = pick(field.options, raw);
      return option ? select(option) : { error: `Choose one of 1–${field.options.length}, or a name from the list.` };
    }
    case 'checkboxes':
    case 'multiselect': {
      const options = raw.split(/[\s,]+/).map((part) => (/^(y|yes)$/i.test(part) && field.options.length === 1 ? field.options[0] : pick(field.options, part)));
      if (options.every(Boolean)) return chosen(field.kind, options as FieldOption[]);
      if (field.options.length === 1) return { error: 'Type 1 (or yes) to tick the box, or "none".' };
      return { error: `Give the numbers of the ${field.kind === 'checkboxes' ? 'boxes to tick' : 'options to choose'} (1–${field.options.length}), or "none".` };
    }
    case 'users': {
      const people = raw.split(/[\s,]+/).map((who) => dir.find(who));
      const unknown = raw.split(/[\s,]+/).filter((_, i) => !people[i]);
      if (unknown.length) return { error: `Nobody here is called ${unknown.join(', ')}. The people are: ${dir.people.map((p) => p.name).join(', ')}.` };
      return { type: 'multi_users_select', selected_users: people.map((p) => p!.id) };
    }
  }
}

function pick(options: FieldOption[], raw: string): FieldOption | undefined {
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return options[n - 1];
  const wanted = raw.toLowerCase();
  return options.find((o) => o.value.toLowerCase() === wanted || o.text.toLowerCase() === wanted) ?? options.find((o) => o.text.toLowerCase().startsWith(wanted));
}

/** The modal's `state.values` as Slack sends them on submission: block id → action id → value. */
export function stateValues(fields: FormField[], answers: Map<string, Json>): Record<string, Record<string, object>> {
  return Object.fromEntries(fields.map((f) => [f.blockId, { [f.actionId]: answers.get(f.blockId) ?? f.initial }]));
}
