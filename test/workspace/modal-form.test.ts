import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/load.ts';
import type { ChangeRequest, Environment } from '../../src/domain/types.ts';
import { fields } from '../../src/slack/ids.ts';
import { changeRequestModal } from '../../src/slack/views/change-request.ts';
import { readChecked, readSelected, readUsers, readValue, type SubmittedValues } from '../../src/slack/views/common.ts';
import { sendModal } from '../../src/slack/views/send.ts';
import { syncModal } from '../../src/slack/views/sync.ts';
import { DEMO_PIPELINE } from '../../src/workspace/local.ts';
import { answer, type FormField, formFields, promptFor, stateValues } from '../../src/workspace/modal-form.ts';
import { Directory, peopleOf } from '../../src/workspace/people.ts';
import { instanceRecord } from '../helpers/records.ts';

// How the console fills in the bot's own modals: their inputs as fields, what is typed read into the values Slack
// sends, and those values read back by the bot's own readers.

type Json = Record<string, any>;

const config = parsePipelineConfig(readFileSync(DEMO_PIPELINE, 'utf8'), 'demo pipeline');
const dir = new Directory(peopleOf(config), config);

const policy = { required: 1, approvers: ['U0CAROL'], userGroups: [], requireChangeRequest: false, allowSelfApproval: false };
const development: Environment = { id: 1, name: 'Development', kind: 'development', position: 0, channel: 'C0DEVELOPMENT', approvals: { ...policy, required: 0 }, deployers: [], targets: [], checks: [], hooks: {}, freezes: [], autoDeploy: false, lock: null };
const staging: Environment = { id: 2, name: 'Staging', kind: 'staging', position: 1, channel: 'C0STAGING', approvals: policy, deployers: ['U0DAVE'], targets: [], checks: [], hooks: {}, freezes: [], autoDeploy: false, lock: null };
const production: Environment = { ...staging, id: 3, name: 'Production', kind: 'production', position: 2, approvals: { ...policy, requireChangeRequest: true } };
const devAlice = instanceRecord(1, 'dev-alice', development, 'U0ALICE');
const stagingA = instanceRecord(2, 'staging', staging);
const stagingB = instanceRecord(3, 'staging-b', staging);
const productionInstance = instanceRecord(4, 'production', production);
const AT = new Date('2025-01-01T00:00:00Z');
const cr = (id: number, name: string): ChangeRequest => ({
  id,
  name,
  type: 'normal',
  overview: '',
  customizations: [],
  proposedCustomizations: [],
  additionalApprovers: [],
  state: 'approved',
  createdBy: 'U0ALICE',
  createdAt: AT,
  updatedAt: AT,
  rejectionReason: null,
  workedInInstanceId: null,
  workedBy: null,
  workedSince: null,
});

const changes = [
  { key: 'Layout/Account', action: 'modify' as const, hash: 'b', baseHash: 'a' },
  { key: 'Flow/Signup', action: 'add' as const, hash: 'c', baseHash: null },
];
const summary = { added: 1, modified: 1, deleted: 0 };
const sendToStaging = (drifted: boolean) =>
  sendModal({ instance: devAlice, env: development, target: staging, targetInstance: stagingA, label: 'Send to Staging', drifted, changes, summary, changeRequests: [] }) as Json;
const sendToProduction = () =>
  sendModal({
    instance: stagingA,
    env: staging,
    target: production,
    targetInstance: productionInstance,
    label: 'Send to Production',
    drifted: false,
    changes,
    summary,
    changeRequests: [cr(3, 'Q4 release'), cr(7, 'Account regions')],
  }) as Json;
const sync = () => syncModal({ instance: devAlice, upper: staging, sources: [stagingA, stagingB], preferred: stagingB, label: 'Sync with Instance' }) as Json;
const newChangeRequest = () => changeRequestModal({ channel: 'C0DEVELOPMENT' }) as Json;

const field = (fs: FormField[], blockId: string) => {
  const found = fs.find((f) => f.blockId === blockId);
  if (!found) throw new Error(`no field ${blockId} among ${fs.map((f) => f.blockId).join(', ')}`);
  return found;
};

/** Types each answer into its field, as the console does, and returns the values Slack would send. */
function submit(fs: FormField[], typed: Record<string, string>): SubmittedValues {
  const answers = new Map<string, Json>();
  for (const [blockId, line] of Object.entries(typed)) {
    const result = answer(field(fs, blockId), line, dir);
    if ('error' in result) throw new Error(result.error);
    answers.set(blockId, result.state);
  }
  return stateValues(fs, answers) as SubmittedValues;
}

describe('formFields', () => {
  it('reads the sync modal: one required select of the instances above, the preferred one chosen', () => {
    expect(formFields(sync())).toEqual([
      {
        blockId: fields.source,
        actionId: 'value',
        label: 'Source instance',
        optional: false,
        kind: 'select',
        multiline: false,
        options: [
          { text: 'staging', value: 'staging' },
          { text: 'staging-b', value: 'staging-b' },
        ],
        initial: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'staging-b' }, value: 'staging-b' } },
      },
    ]);
  });

  it('reads the send modal: the drift checkbox only when drifted, the message, and the change request as a choice when one is approved', () => {
    const drifted = formFields(sendToStaging(true));
    expect(drifted.map((f) => [f.blockId, f.kind, f.optional])).toEqual([
      [fields.confirmDrift, 'checkboxes', true],
      [fields.only, 'checkboxes', false],
      [fields.message, 'text', false],
    ]);
    // Every change ticked until the sender unticks one.
    expect(field(drifted, fields.only).initial.selected_options.map((o: Json) => o.value)).toEqual(changes.map((c) => c.key));
    expect(field(drifted, fields.confirmDrift).options).toEqual([{ text: 'Send anyway, without syncing first', value: 'yes' }]);
    expect(field(drifted, fields.confirmDrift).initial).toEqual({ type: 'checkboxes', selected_options: [] });
    expect(field(drifted, fields.message)).toMatchObject({ label: 'Deployment message', multiline: true, initial: { type: 'plain_text_input', value: null } });

    expect(formFields(sendToStaging(false)).map((f) => f.blockId)).toEqual([fields.only, fields.message]);

    const toProduction = field(formFields(sendToProduction()), fields.changeRequest);
    expect(toProduction).toMatchObject({ kind: 'select', optional: false, hint: 'Production requires one: the deployment checks again that it is still approved.' });
    expect(toProduction.options).toEqual([
      { text: 'CR-3 Q4 release', value: '3' },
      { text: 'CR-7 Account regions', value: '7' },
    ]);
    expect(toProduction.initial).toEqual({ type: 'static_select', selected_option: null });
  });

  it('reads the change request modal: texts, a select with its initial option, and people; the section is no field', () => {
    const fs = formFields(newChangeRequest());
    expect(fs.map((f) => [f.blockId, f.kind, f.optional, f.multiline])).toEqual([
      [fields.name, 'text', false, false],
      [fields.type, 'select', false, false],
      [fields.overview, 'text', false, true],
      [fields.customizations, 'text', true, true],
      [fields.approvers, 'users', true, false],
    ]);
    expect(field(fs, fields.type).initial.selected_option.value).toBe('normal');
    expect(field(fs, fields.approvers).initial).toEqual({ type: 'multi_users_select', selected_users: [] });
    expect(field(fs, fields.customizations).hint).toMatch(/^Component keys/);
  });

  it('leaves out inputs of a kind the console cannot fill, and views without blocks', () => {
    const view = { blocks: [{ type: 'input', block_id: 'when', label: { type: 'plain_text', text: 'When' }, element: { type: 'datepicker', action_id: 'value' } }] };
    expect(formFields(view)).toEqual([]);
    expect(formFields({})).toEqual([]);
  });
});

describe('promptFor', () => {
  it('says whether a field is required, what it takes, what Enter keeps, and lists the options', () => {
    const fs = formFields(newChangeRequest());
    expect(promptFor(field(fs, fields.type), dir)).toEqual([
      'Change type (required; a number or a name from the list; Enter keeps “normal”)',
      '  1. standard',
      '  2. normal',
      '  3. emergency',
    ]);
    expect(promptFor(field(fs, fields.overview), dir)).toEqual(['Overview (required; text; \\n starts a new line)']);
    expect(promptFor(field(fs, fields.approvers), dir)).toEqual(['Additional approvers (optional; names, e.g. alice, bob, or "none")']);
    const withInitial = { ...field(fs, fields.approvers), initial: { type: 'multi_users_select', selected_users: ['U0CAROL'] } };
    expect(promptFor(withInitial, dir)[0]).toContain('Enter keeps @carol');
    expect(promptFor(field(fs, fields.customizations), dir)[1]).toMatch(/^ {2}Component keys/);
  });
});

describe('answer', () => {
  const crFields = formFields(newChangeRequest());
  const drift = field(formFields(sendToStaging(true)), fields.confirmDrift);
  const optionalSelect = field(
    formFields(sendModal({ instance: devAlice, env: development, target: staging, targetInstance: stagingA, label: 'Send', drifted: false, changes, summary, changeRequests: [cr(3, 'Q4 release')] }) as Json),
    fields.changeRequest,
  );

  it('reads text, with \\n as a new line; "none" is text like any other', () => {
    expect(answer(field(crFields, fields.overview), 'First line\\nsecond line', dir)).toEqual({ state: { type: 'plain_text_input', value: 'First line\nsecond line' } });
    expect(answer(field(crFields, fields.name), '  Q4 release  ', dir)).toEqual({ state: { type: 'plain_text_input', value: 'Q4 release' } });
    expect(answer(field(crFields, fields.name), 'none', dir)).toEqual({ state: { type: 'plain_text_input', value: 'none' } });
  });

  it('refuses an empty required field, and keeps an empty optional one empty', () => {
    expect(answer(field(crFields, fields.name), '', dir)).toEqual({ error: 'Name is required.' });
    expect(answer(field(crFields, fields.name), '   ', dir)).toEqual({ error: 'Name is required.' });
    expect(answer(field(crFields, fields.customizations), '', dir)).toEqual({ state: { type: 'plain_text_input', value: null } });
  });

  it('chooses an option by number, by value or text, or by the start of its text; Enter keeps the initial one', () => {
    const type = field(crFields, fields.type);
    const chosen = (typed: string) => {
      const result = answer(type, typed, dir);
      return 'state' in result ? result.state.selected_option?.value : result.error;
    };
    expect(chosen('1')).toBe('standard');
    expect(chosen('3')).toBe('emergency');
    expect(chosen('Emergency')).toBe('emergency');
    expect(chosen('stan')).toBe('standard');
    expect(chosen('')).toBe('normal');
    expect(chosen('4')).toBe('Choose one of 1–3, or a name from the list.');
    expect(chosen('0')).toBe('Choose one of 1–3, or a name from the list.');
    expect(chosen('urgent')).toBe('Choose one of 1–3, or a name from the list.');
    expect(chosen('none')).toBe('Change type is required.');
  });

  it('clears an optional select with "none"', () => {
    expect(answer(optionalSelect, 'none', dir)).toEqual({ state: { type: 'static_select', selected_option: null } });
    expect(answer(optionalSelect, 'CR-3 Q4 release', dir)).toEqual({ state: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'CR-3 Q4 release' }, value: '3' } } });
  });

  it('ticks checkboxes by number, or yes when there is one box; "none" ticks nothing', () => {
    const ticked = { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Send anyway, without syncing first' }, value: 'yes' }] };
    expect(answer(drift, '1', dir)).toEqual({ state: ticked });
    expect(answer(drift, 'yes', dir)).toEqual({ state: ticked });
    expect(answer(drift, 'none', dir)).toEqual({ state: { type: 'checkboxes', selected_options: [] } });
    expect(answer(drift, '', dir)).toEqual({ state: { type: 'checkboxes', selected_options: [] } });
    expect(answer(drift, '2', dir)).toEqual({ error: 'Type 1 (or yes) to tick the box, or "none".' });
  });

  it('ticks several boxes by their numbers, and names the range when one is out of it', () => {
    const options = [
      { text: 'Email', value: 'email' },
      { text: 'Slack', value: 'slack' },
      { text: 'Pager', value: 'pager' },
    ];
    const boxes: FormField = { blockId: 'notify', actionId: 'value', label: 'Notify', optional: false, kind: 'checkboxes', multiline: false, options, initial: { type: 'checkboxes', selected_options: [] } };
    const result = answer(boxes, '1, 3', dir);
    expect('state' in result && result.state.selected_options.map((o: Json) => o.value)).toEqual(['email', 'pager']);
    expect(answer(boxes, 'yes', dir)).toEqual({ error: 'Give the numbers of the boxes to tick (1–3), or "none".' });
    expect(answer(boxes, '1,4', dir)).toEqual({ error: 'Give the numbers of the boxes to tick (1–3), or "none".' });
    expect(answer(boxes, 'none', dir)).toEqual({ error: 'Notify is required.' });
    expect(readChecked(stateValues([boxes], new Map([['notify', (result as { state: Json }).state]])) as SubmittedValues, 'notify')).toBe(true);
  });

  it('chooses people by name, @name or id; names someone unknown; "none" chooses nobody', () => {
    const approvers = field(crFields, fields.approvers);
    expect(answer(approvers, 'alice, @Bob U0CAROL', dir)).toEqual({ state: { type: 'multi_users_select', selected_users: ['U0ALICE', 'U0BOB', 'U0CAROL'] } });
    expect(answer(approvers, 'alice zed', dir)).toEqual({ error: 'Nobody here is called zed. The people are: alice, bob, carol, dave.' });
    expect(answer(approvers, 'none', dir)).toEqual({ state: { type: 'multi_users_select', selected_users: [] } });
  });
});

describe('stateValues', () => {
  it('has Slack\'s shape: block id → action id → value, every field present, the initial value where nothing was typed', () => {
    const fs = formFields(sync());
    expect(stateValues(fs, new Map())).toEqual({ source: { value: fs[0]!.initial } });
  });

  it('round-trips the change request modal through the bot\'s own readers', () => {
    const values = submit(formFields(newChangeRequest()), {
      [fields.name]: 'Account regions',
      [fields.type]: '3',
      [fields.overview]: 'Why\\nand how',
      [fields.approvers]: 'carol dave',
    });
    expect(readValue(values, fields.name)).toBe('Account regions');
    expect(readValue(values, fields.type)).toBe('emergency');
    expect(readValue(values, fields.overview)).toBe('Why\nand how');
    expect(readValue(values, fields.customizations)).toBe('');
    expect(readUsers(values, fields.approvers)).toEqual(['U0CAROL', 'U0DAVE']);
    expect(readValue(submit(formFields(newChangeRequest()), {}), fields.type)).toBe('normal');
  });

  it('round-trips the send modal: the drift box, the message and the chosen change request', () => {
    const drifted = formFields(sendToStaging(true));
    const sent = submit(drifted, { [fields.confirmDrift]: 'yes', [fields.message]: 'Adds a Region field' });
    expect(readChecked(sent, fields.confirmDrift)).toBe(true);
    expect(readValue(sent, fields.message)).toBe('Adds a Region field');
    expect(readChecked(submit(drifted, { [fields.message]: 'x' }), fields.confirmDrift)).toBe(false);
    expect(readChecked(submit(drifted, { [fields.confirmDrift]: 'none', [fields.message]: 'x' }), fields.confirmDrift)).toBe(false);

    const toProduction = submit(formFields(sendToProduction()), { [fields.message]: 'Release', [fields.changeRequest]: '2' });
    expect(readValue(toProduction, fields.changeRequest)).toBe('7');
    // Enter keeps every change ticked; numbers tick only those.
    expect(readSelected(toProduction, fields.only)).toEqual(changes.map((c) => c.key));
    expect(readSelected(submit(drifted, { [fields.only]: '2', [fields.message]: 'x' }), fields.only)).toEqual([changes[1]!.key]);
  });

  it('round-trips what a send with many changes leaves out, chosen in a multi-select', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ key: `Flow/Step${i}`, action: 'add' as const, hash: `h${i}`, baseHash: null }));
    const fs = formFields(sendModal({ instance: devAlice, env: development, target: staging, targetInstance: stagingA, label: 'Send to Staging', drifted: false, changes: many, summary, changeRequests: [] }) as Json);
    expect(fs.map((f) => [f.blockId, f.kind, f.optional])).toEqual([
      [fields.except, 'multiselect', true],
      [fields.message, 'text', false],
    ]);
    const sent = submit(fs, { [fields.except]: '1, Flow/Step3', [fields.message]: 'steps' });
    expect(sent[fields.except]!.value).toMatchObject({ type: 'multi_static_select' });
    expect(readSelected(sent, fields.except)).toEqual(['Flow/Step0', 'Flow/Step3']);
    expect(readSelected(submit(fs, { [fields.message]: 'steps' }), fields.except)).toEqual([]);
  });

  it('round-trips the sync modal: the source chosen by name', () => {
    expect(readValue(submit(formFields(sync()), { [fields.source]: 'staging' }), fields.source)).toBe('staging');
    expect(readValue(submit(formFields(sync()), {}), fields.source)).toBe('staging-b');
  });
});
