import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewResponseAction, ViewSubmitAction } from '@slack/bolt';
import { DomainError } from '../../../domain/errors.ts';
import { type Replier, replier, type SlackDeps } from '../../listener-deps.ts';
import { fieldFor, logUnexpected, refusalText } from '../../errors.ts';
import { type ModalMetadata, messageModal, readMetadata, type SubmittedValues } from '../../views/common.ts';
import { inSlack } from '../../blocks/format.ts';

export type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** Slack waits 3 seconds for the answer to a submission; a refusal found sooner than this goes back into the modal. */
export const DECIDE_WITHIN_MS = 1500;

const TIMED_OUT = Symbol('timed out');

export const required = (value: string, message: string) => (value ? undefined : message);
export const onlyErrors = (errors: Record<string, string | undefined>) => Object.fromEntries(Object.entries(errors).filter(([, v]) => v)) as Record<string, string>;

export interface Submitted {
  user: string;
  values: SubmittedValues;
  metadata: ModalMetadata;
  reply: Replier;
}

interface Submission<T> {
  /** The input blocks of the modal, in order: where a refusal is shown when it is about the input. */
  fields: string[];
  /** Errors found in the input before any work, by block id. */
  check?: (s: Submitted) => Record<string, string> | undefined;
  work: (s: Submitted) => Promise<T>;
  /** Tells the user how it went, once the modal is closed. */
  done: (result: T, s: Submitted) => Promise<void>;
}

/**
 * Answers a modal submission within Slack's limit: input errors and quick refusals come back inside the modal
 * (under the field they are about, or as the modal's new content when it has no fields); success closes it.
 * Work that takes longer closes the modal and reports by message when it ends.
 */
export function onSubmit<T>(deps: SlackDeps, what: string, s: Submission<T>) {
  return async ({ ack, body, view }: ViewArgs) => {
    const metadata = readMetadata(view.private_metadata);
    const user = body.user.id;
    const submitted: Submitted = { user, values: view.state.values as SubmittedValues, metadata, reply: replier(deps, user, { channel: metadata.channel }) };
    const invalid = s.check?.(submitted);
    if (invalid && Object.keys(invalid).length) return ack({ response_action: 'errors', errors: invalid });
    const running = deps.background.run(() => s.work(submitted), { beforeAck: true });
    const first = await Promise.race([running.then((value) => ({ value }), (error: unknown) => ({ error })), delay(DECIDE_WITHIN_MS)]);
    if (first !== TIMED_OUT && 'error' in first && first.error instanceof DomainError) return ack(refusalInModal(first.error, fieldsIn(view, s.fields)));
    await ack();
    try {
      const value = first === TIMED_OUT ? await running : 'error' in first ? Promise.reject(first.error) : first.value;
      await s.done(await value, submitted);
    } catch (error) {
      logUnexpected(deps.logger, what, error);
      await submitted.reply(refusalText(error));
    }
  };
}

/** The fields of the submission that this modal shows: some appear only when they apply (the drift confirmation). */
const fieldsIn = (view: ViewArgs['view'], fields: string[]) => fields.filter((f) => view.blocks.some((b) => b.block_id === f));

const delay = (ms: number) => new Promise<typeof TIMED_OUT>((resolve) => setTimeout(() => resolve(TIMED_OUT), ms).unref());

function refusalInModal(error: DomainError, fields: string[]): ViewResponseAction {
  const field = fieldFor(error, fields);
  if (field) return { response_action: 'errors', errors: { [field]: inSlack(error.words) } };
  return { response_action: 'update', view: messageModal('Not done', refusalText(error), 'refusal') };
}
