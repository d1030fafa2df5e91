import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, StaticSelectAction } from '@slack/bolt';
import { answering, replier, type SlackDeps } from '../../listener-deps.ts';
import { changesView } from '../../modals.ts';
import { readMetadata } from '../../views/common.ts';

type SelectArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>>;

/** A component chosen in the View changes modal: the modal shows its diff instead. */
export const changesComponentChosen = (deps: SlackDeps) =>
  async ({ ack, body, action, client, respond }: SelectArgs) => {
    await ack();
    const user = body.user.id;
    const view = body.view;
    const requestId = readMetadata(view?.private_metadata).requestId;
    if (!view || requestId === undefined) return;
    const reply = replier(deps, user, { respond, hasResponseUrl: false });
    deps.background.start(() =>
      answering(deps, 'View changes', reply, async () => {
        await client.views.update({ view_id: view.id, hash: view.hash, view: await changesView(deps, user, requestId, action.selected_option.value) });
      }),
    );
  };
