import type { App, ViewSubmitAction } from '@slack/bolt';
import { callbacks } from '../../ids.ts';
import type { SlackDeps } from '../../listener-deps.ts';
import { routes } from '../routes.ts';
import { deploySubmitted } from './deploy-submitted.ts';
import { newChangeRequestSubmitted } from './new-change-request-submitted.ts';
import { rejectChangeRequestSubmitted } from './reject-change-request-submitted.ts';
import { rejectSubmitted } from './reject-submitted.ts';
import { revertSubmitted } from './revert-submitted.ts';
import { sendSubmitted } from './send-submitted.ts';
import { syncChangeRequestSubmitted } from './sync-change-request-submitted.ts';
import { syncSubmitted } from './sync-submitted.ts';
import type { ViewArgs } from './submission.ts';

export function register(app: App, deps: SlackDeps) {
  const { ids, listener } = routes<ViewArgs>(
    {
      [callbacks.send]: sendSubmitted(deps),
      [callbacks.sync]: syncSubmitted(deps),
      [callbacks.reject]: rejectSubmitted(deps),
      [callbacks.rejectChangeRequest]: rejectChangeRequestSubmitted(deps),
      [callbacks.deploy]: deploySubmitted(deps),
      [callbacks.revert]: revertSubmitted(deps),
      [callbacks.newChangeRequest]: newChangeRequestSubmitted(deps),
      [callbacks.syncChangeRequest]: syncChangeRequestSubmitted(deps),
    },
    ({ view }) => view.callback_id,
  );
  app.view<ViewSubmitAction>(ids, listener);
}
