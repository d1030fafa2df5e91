import type { App } from '@slack/bolt';
import type { SlackDeps } from '../listener-deps.ts';
import * as actions from './actions/index.ts';
import * as commands from './commands/index.ts';
import * as events from './events/index.ts';
import * as views from './views/index.ts';

export function registerListeners(app: App, deps: SlackDeps) {
  commands.register(app, deps);
  actions.register(app, deps);
  views.register(app, deps);
  events.register(app, deps);
}
