import type { App } from '@slack/bolt';
import { callbacks } from '../../ids.ts';
import type { SlackDeps } from '../../listener-deps.ts';
import { deploySubmitted } from './deploy-submitted.ts';
import { newChangeRequestSubmitted } from './new-change-request-submitted.ts';
import { rejectChangeRequestSubmitted } from './reject-change-request-submitted.ts';
import { rejectSubmitted } from './reject-submitted.ts';
import { revertSubmitted } from './revert-submitted.ts';
import { sendSubmitted } from './send-submitted.ts';
import { syncSubmitted } from './sync-submitted.ts';

export function register(app: App, deps: SlackDeps) {
  app.view(callbacks.send, sendSubmitted(deps));
  app.view(callbacks.sync, syncSubmitted(deps));
  app.view(callbacks.reject, rejectSubmitted(deps));
  app.view(callbacks.rejectChangeRequest, rejectChangeRequestSubmitted(deps));
  app.view(callbacks.deploy, deploySubmitted(deps));
  app.view(callbacks.revert, revertSubmitted(deps));
  app.view(callbacks.newChangeRequest, newChangeRequestSubmitted(deps));
}
