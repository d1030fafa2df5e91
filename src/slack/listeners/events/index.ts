import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../listener-deps.ts';
import { appHomeOpened } from './app-home-opened.ts';

export function register(app: App, deps: SlackDeps) {
  app.event('app_home_opened', (args) => appHomeOpened({ ...args, deps }));
}
