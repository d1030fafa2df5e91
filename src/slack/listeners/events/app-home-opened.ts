import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../../listener-deps.ts';
import { actorOf } from '../../listener-deps.ts';
import { homeView } from '../../views/home.ts';

/** App Home is drawn afresh each time it is opened. */
export async function appHomeOpened({ event, client, deps }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'> & { deps: SlackDeps }) {
  if (event.tab !== 'home') return;
  deps.background.start(async () => {
    try {
      await client.views.publish({ user_id: event.user, view: await buildHome(deps, event.user) });
    } catch (error) {
      deps.logger.error(`App Home of ${event.user} could not be drawn:`, error);
    }
  });
}

export async function buildHome(deps: SlackDeps, user: string) {
  const [pipeline, recent, me, revertable] = await Promise.all([
    deps.services.status(),
    deps.services.recentDeployments(5),
    deps.services.whoami(actorOf(user)),
    deps.services.assertMayRevert(actorOf(user)).then(
      (r) => r.latest,
      () => undefined,
    ),
  ]);
  return homeView({ user, admin: me.admin, roles: me.roles, pipeline, recent, revertable });
}
