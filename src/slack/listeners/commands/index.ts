import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../listener-deps.ts';
import { sandboxCommand } from './sandbox.ts';

export function register(app: App, deps: SlackDeps) {
  app.command('/sandbox', (args) => sandboxCommand({ ...args, deps }));
}
