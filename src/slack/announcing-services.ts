import type { Services } from '../domain/services/index.ts';
import type { Actor } from '../domain/ports.ts';
import type { DeploymentRequest } from '../domain/types.ts';
import { formatId } from '../domain/ids.ts';
import { escape, mention } from './blocks/format.ts';
import { outcomeText } from './blocks/outcome.ts';
import type { Cards } from './cards.ts';
import type { Outbox } from './outbox.ts';

/**
 * The services, announcing in Slack what they did: cards updated in place, outcomes sent to requesters, locks
 * and reverts announced in their environment's channel. The Slack app and the command line both use this,
 * so work started anywhere is seen in Slack.
 */
export function announcingServices(services: Services, { cards, outbox }: { cards: Cards; outbox: Outbox }): Services {
  /**
   * The request's card shows its new state; its requester is told by direct message, unless they made it happen
   * themselves in Slack or on the command line, where their own answer told them already (one notice per outcome).
   */
  const settle = (request: DeploymentRequest, actor?: Actor) =>
    outbox.later(`the outcome of ${formatId('request', request.id)}`, async () => {
      const rendered = await cards.refreshRequestCard(request.id);
      // A deployment to production moves the change request it carries on.
      if (request.changeRequestId !== null) await cards.refreshChangeRequestCard(request.changeRequestId);
      // The card was rendered from the request's environment: read again only when the refresh failed.
      const { environment } = rendered ?? (await outbox.read(() => services.requestOverview(request.id)));
      const text = outcomeText(request, environment);
      const toldAlready = actor?.user === request.requester && (actor.via === 'slack' || actor.via === 'cli');
      if (text && !toldAlready) await outbox.tell(request.requester, text);
    });
  return {
    ...services,
    async send(actor, input) {
      const result = await services.send(actor, input);
      cards.refreshRequestCardLater(result.request.id);
      return result;
    },
    async approve(actor, requestId) {
      const result = await services.approve(actor, requestId);
      if (result.decided) settle(result.request, actor);
      else cards.refreshRequestCardLater(requestId);
      return result;
    },
    async reject(actor, requestId, reason) {
      const request = await services.reject(actor, requestId, reason);
      settle(request, actor);
      return request;
    },
    async deploy(actor, requestId) {
      const result = await services.deploy(actor, requestId);
      settle(result.request, actor);
      return result;
    },
    async scheduleDeployment(actor, requestId, at) {
      const request = await services.scheduleDeployment(actor, requestId, at);
      cards.refreshRequestCardLater(requestId);
      return request;
    },
    async unscheduleDeployment(actor, requestId) {
      const request = await services.unscheduleDeployment(actor, requestId);
      cards.refreshRequestCardLater(requestId);
      return request;
    },
    scheduler: {
      ...services.scheduler,
      async expireStaleRequests(expireAfter) {
        const expired = await services.scheduler.expireStaleRequests(expireAfter);
        for (const request of expired) settle(request);
        return expired;
      },
    },
    async recoverInterruptedRuns() {
      const runs = await services.recoverInterruptedRuns();
      for (const run of runs) {
        if (run.kind !== 'deploy' || run.requestId === null) continue;
        const request = await services.requestOverview(run.requestId);
        settle(request.request);
      }
      return runs;
    },
    async revert(actor, environment, reason) {
      const result = await services.revert(actor, environment, reason);
      settle(result.request, actor);
      const env = result.environment.name;
      outbox.later('the revert announcement', () => outbox.announce(
        result.environment,
        `:rewind: ${mention(actor.user)} reverted ${formatId('request', result.request.id)}. :lock: ${escape(env)} is locked (“${escape(result.lock.reason)}”) until someone unlocks it with \`/sandbox unlock ${env}\`.`,
      ));
      return result;
    },
    changeRequests: {
      ...services.changeRequests,
      async submit(actor, id) {
        const cr = await services.changeRequests.submit(actor, id);
        cards.refreshChangeRequestCardLater(id);
        return cr;
      },
      async approve(actor, id) {
        const cr = await services.changeRequests.approve(actor, id);
        cards.refreshChangeRequestCardLater(id);
        if (cr.state === 'approved') outbox.later('the approval message', () => outbox.tell(cr.createdBy, `:white_check_mark: ${formatId('changeRequest', id)} “${escape(cr.name)}” is approved: sends to production may carry it now.`));
        return cr;
      },
      async reject(actor, id, reason) {
        const cr = await services.changeRequests.reject(actor, id, reason);
        cards.refreshChangeRequestCardLater(id);
        outbox.later('the rejection message', () => outbox.tell(cr.createdBy, `:no_entry: ${formatId('changeRequest', id)} “${escape(cr.name)}” was rejected by ${mention(actor.user)}: ${escape(reason)}`));
        return cr;
      },
      async complete(actor, id) {
        const cr = await services.changeRequests.complete(actor, id);
        cards.refreshChangeRequestCardLater(id);
        return cr;
      },
    },
    async lock(actor, environment, reason) {
      const env = await services.lock(actor, environment, reason);
      outbox.later('the lock announcement', () => outbox.announce(env, `:lock: ${mention(actor.user)} locked ${escape(env.name)}: “${escape(reason)}”. Deployments to it are refused until \`/sandbox unlock ${env.name}\`.`));
      return env;
    },
    async unlock(actor, environment) {
      const env = await services.unlock(actor, environment);
      outbox.later('the unlock announcement', () => outbox.announce(env, `:unlock: ${mention(actor.user)} unlocked ${escape(env.name)}: deployments may go ahead.`));
      return env;
    },
  };
}
