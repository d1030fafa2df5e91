import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { answering, type Replier, replier, type SlackDeps } from '../../listener-deps.ts';
import type { Opening } from '../../modals.ts';

export type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** A click, as a listener needs it: whose, its value, how to answer privately, and how to open a modal. */
export interface Click {
  user: string;
  value: string;
  reply: Replier;
  opening: Opening;
  deps: SlackDeps;
  /** The modal the click came from, if any: answers may replace it. */
  view?: { id: string; hash: string };
}

/**
 * Wraps a button listener: acknowledges at once, then runs the work; a refusal is answered privately
 * to the person who clicked and changes nothing. `patient`: the work opens no modal (see Background.run).
 */
export function onClick(deps: SlackDeps, what: string, work: (click: Click) => Promise<void>, o: { patient?: boolean } = {}) {
  return async ({ ack, body, action, respond, client }: ButtonArgs) => {
    await ack();
    const user = body.user.id;
    const channel = body.channel?.id;
    const reply = replier(deps, user, { respond, hasResponseUrl: Boolean(body.response_url), channel });
    const opening = { client, triggerId: body.trigger_id, user, metadata: { channel } };
    const view = body.view && { id: body.view.id, hash: body.view.hash };
    deps.background.start(() => answering(deps, what, reply, () => work({ user, value: action.value ?? '', reply, opening, deps, view })), o);
  };
}
