import type { Directory } from './people.ts';
import { answer, type FormField, formFields, promptFor, stateValues } from './modal-form.ts';
import { type PostResult, type SlackRequest, viewSubmission } from './payloads.ts';
import type { ViewRecord } from './web-api.ts';

type Json = Record<string, any>;

/** A modal being filled in: its view, its inputs, the ones still to ask, and what was typed so far. */
interface OpenModal {
  view: Json;
  user: string;
  fields: FormField[];
  toAsk: FormField[];
  answers: Map<string, Json>;
}

/** What filling in a modal needs from the console. */
export interface ModalHooks {
  directory: Directory;
  deliver(request: SlackRequest): Promise<PostResult>;
  say(lines: string[]): true;
  /** Shows a view the bot answered a submission with (it stays open as this modal). */
  showView(record: ViewRecord, user: string): void;
  /** Slack's markup as a person reads it. */
  text(mrkdwn: string): string;
}

/** The JSON a submission was answered with (empty means the modal closes), or undefined when it is not an answer. */
function answerOf(result: PostResult): Json | undefined {
  if (result.status !== 200) return undefined;
  try {
    return result.body ? (JSON.parse(result.body) as Json) : {};
  } catch {
    return undefined;
  }
}

/** The modal open at the console: its fields asked one by one, then submitted as Slack submits a view. */
export class ConsoleModal {
  private modal?: OpenModal;

  constructor(private readonly hooks: ModalHooks) {}

  get open(): { user: string; viewId: string } | undefined {
    return this.modal && { user: this.modal.user, viewId: this.modal.view.id };
  }

  /** A modal opened or updated for `user`: its fields are asked from the first; one with nothing to fill or submit is only shown. */
  opened(record: ViewRecord, user: string) {
    const fields = formFields(record.view);
    this.modal = { view: record.view, user, fields, toAsk: [...fields], answers: new Map() };
    if (!record.view.submit && fields.length === 0) this.modal = undefined;
  }

  /** What the open modal asks next (a field, or whether to submit), as lines; none without a modal. */
  nextQuestion(): string[] {
    const modal = this.modal;
    if (!modal) return [];
    const field = modal.toAsk[0];
    if (field) return promptFor(field, this.hooks.directory).map((l, i) => (i === 0 ? `▸ ${l}` : `  ${l}`));
    return [`Enter submits “${modal.view.submit?.text ?? 'Submit'}”; cancel closes the modal.`];
  }

  /** Takes a typed line as the answer to the field asked, as Enter to submit, or as `cancel`. */
  async fill(line: string): Promise<true> {
    const modal = this.modal!;
    const { say } = this.hooks;
    if (/^(cancel|close)$/i.test(line)) {
      this.modal = undefined;
      return say([`Closed “${modal.view.title?.text ?? 'modal'}”; nothing was submitted.`]);
    }
    const field = modal.toAsk[0];
    if (!field) {
      if (line === '' || /^(y|yes|submit)$/i.test(line)) return this.submit(modal);
      // Anything else leaves the modal open, as Slack's would be; what it takes is said again below.
      return say([`“${line}” was not run: the modal “${modal.view.title?.text ?? ''}” is still open.`]);
    }
    const result = answer(field, line, this.hooks.directory);
    if ('error' in result) return say([`  ⚠ ${result.error}`]);
    modal.answers.set(field.blockId, result.state);
    modal.toAsk.shift();
    return true;
  }

  private async submit(modal: OpenModal): Promise<true> {
    const view = modal.view;
    const values = stateValues(modal.fields, modal.answers);
    const request = viewSubmission({ userId: modal.user, callbackId: view.callback_id, privateMetadata: view.private_metadata, viewId: view.id, values, opened: view });
    const response = answerOf(await this.hooks.deliver(request));
    if (!response) {
      // Slack keeps a modal open when the app's answer is not one: the person may try again.
      this.modal = { ...modal, toAsk: [] };
      return this.hooks.say([`“${view.title?.text ?? 'The modal'}” was not accepted: the bot did not answer as Slack expects. It stays open.`]);
    }
    this.modal = undefined;
    if (response.response_action === 'errors') return this.refused(modal, response.errors ?? {});
    if (response.response_action === 'update' || response.response_action === 'push') {
      const record = { kind: 'update' as const, id: view.id, view: { ...response.view, id: view.id }, at: Date.now() };
      this.hooks.showView(record, modal.user);
      this.opened(record, modal.user);
      return true;
    }
    return this.hooks.say([`Submitted “${view.title?.text ?? 'modal'}”.`]);
  }

  /**
   * Slack keeps the modal open, with what was typed and each refusal under its field; the console asks those fields
   * again and keeps what was typed in the others. An error for a block the modal does not have is shown, not dropped.
   */
  private refused(modal: OpenModal, errors: Record<string, string>): true {
    const { text } = this.hooks;
    const fields = modal.fields.map((f) => (errors[f.blockId] ? f : { ...f, initial: modal.answers.get(f.blockId) ?? f.initial }));
    const wrong = fields.filter((f) => errors[f.blockId]);
    const stray = Object.keys(errors).filter((id) => !fields.some((f) => f.blockId === id));
    this.modal = { ...modal, fields, toAsk: wrong, answers: new Map() };
    return this.hooks.say([
      ...wrong.map((f) => `  ⚠ ${f.label}: ${text(errors[f.blockId]!)}`),
      ...stray.map((id) => `  ⚠ ${text(errors[id]!)} (the bot put this under “${id}”, a field this modal does not have)`),
    ]);
  }
}
