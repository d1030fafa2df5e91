import { type ActionRunner, isWebhook } from '../domain/actions.ts';
import { type CommandActionsOptions, commandActions } from './runner.ts';
import { type WebhookOptions, webhookActions } from './webhook.ts';

/** The targets adapter: commands run on this machine, webhooks called, each as the action names. */
export function outsideActions(o: CommandActionsOptions & Omit<WebhookOptions, 'environment'>): ActionRunner {
  const commands = commandActions(o);
  const webhooks = webhookActions(o);
  return {
    run: (action, ...rest) => (isWebhook(action) ? webhooks.run(action, ...rest) : commands.run(action, ...rest)),
    layOut: commands.layOut,
    endLeftovers: commands.endLeftovers,
  };
}
