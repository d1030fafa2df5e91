import type { UserGroupResolver } from '../domain/ports.ts';

const TTL_MS = 60_000;

/** Resolves user groups through Slack's `usergroups.users.list`, cached briefly. */
export function slackUserGroups(token: string, apiUrl: string, now = () => Date.now()): UserGroupResolver {
  const cache = new Map<string, { members: string[]; until: number }>();
  return {
    async members(groupId) {
      const hit = cache.get(groupId);
      if (hit && hit.until > now()) return hit.members;
      const response = await fetch(new URL(`usergroups.users.list?usergroup=${encodeURIComponent(groupId)}`, apiUrl), {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json().catch(() => ({}))) as { ok?: boolean; users?: string[]; error?: string };
      if (!response.ok || !body.ok) throw new Error(`Slack could not list the members of user group ${groupId}: ${body.error ?? response.status}`);
      const members = body.users ?? [];
      cache.set(groupId, { members, until: now() + TTL_MS });
      return members;
    },
  };
}

/** Without a bot token no group can be resolved: only approvers named one by one can vote. */
export const noUserGroups: UserGroupResolver = {
  members: async () => {
    throw new Error('user groups are resolved through Slack, and no SLACK_BOT_TOKEN is set');
  },
};
