import { formatId } from '../../domain/ids.ts';
import { INTERRUPTED } from '../../domain/services/interrupted.ts';
import type { DeploymentRequest, Environment } from '../../domain/types.ts';
import { escape, mention } from './format.ts';

/** A reason as a sentence: its own full stop, question or exclamation mark kept, a full stop added otherwise. */
const sentence = (text: string) => (/[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

/** ` Production is locked (“reverted: …”) until someone unlocks it with …`, when it is. */
export const lockSentence = (env: Environment) =>
  env.lock ? ` :lock: ${escape(env.name)} is locked (“${escape(env.lock.reason)}”) until someone unlocks it with \`/sandbox unlock ${escape(env.name)}\`.` : '';

/** What the requester is told about their request's new state, if anything. */
export function outcomeText(request: DeploymentRequest, env: Environment): string | undefined {
  const id = formatId('request', request.id);
  switch (request.state) {
    case 'approved':
      return `:white_check_mark: ${id} was approved${request.decidedBy ? ` by ${mention(request.decidedBy)}` : ''}: it waits in the ${env.name} queue for a deployer.`;
    case 'rejected':
      return `:no_entry: ${id} was rejected by ${mention(request.decidedBy ?? '?')}: ${sentence(escape(request.reason ?? ''))} Make the changes it asks for and send again.`;
    case 'deployed':
      return `:tada: ${id} is deployed to ${env.name} by ${mention(request.deployedBy ?? '?')}.`;
    case 'failed':
      if (request.reason === INTERRUPTED) {
        return `:warning: The deployment of ${id} to ${env.name} was interrupted: the process running it stopped. ${env.name} is unchanged; ${id} stays in the queue and can be deployed again.`;
      }
      return `:x: The deployment of ${id} to ${env.name} failed: ${escape(request.reason ?? 'see the log')}. It stays in the queue; \`/sandbox logs ${id}\` shows why.${env.autoDeploy ? ' It is not deployed again on its own: once the cause is fixed, a deployer deploys it, or send the changes again.' : ''}`;
    case 'expired':
      return `:zzz: ${id} expired in the ${env.name} queue: ${escape(request.reason ?? 'nobody decided in time')}. Send the changes again if they are still wanted.`;
    case 'reverted':
      return `:rewind: ${id} was reverted in ${env.name}.${lockSentence(env)} These changes cannot be deployed again as-is: make more changes and send again.`;
    default:
      return undefined;
  }
}
