import type { WebClient } from '@slack/web-api';
import type { UserGroupResolver } from '../domain/ports.ts';

const TTL_MS = 60_000;

/**
 * Resolves user groups through Slack's `usergroups.users.list` (a Tier 2 method), cached briefly. Slack's client is
 * loaded at the first group asked for: a command line that resolves none does not wait for it.
 */
export function slackUserGroups(token: string, apiUrl: string, now = () => Date.now()): UserGroupResolver {
  let client: WebClient | undefined;
  const connect = async () => {
    const { WebClient } = await import('@slack/web-api');
    return new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 1 }, rejectRateLimitedCalls: true, timeout: 10_000 });
  };
  const cache = new Map<string, { members: string[]; until: number }>();
  return {
    async members(groupId) {
      const hit = cache.get(groupId);
      if (hit && hit.until > now()) return hit.members;
      client ??= await connect();
      const result = await client.usergroups.users.list({ usergroup: groupId }).catch((error: Error & { data?: { error?: string } }) => {
        throw new Error(`Slack could not list the members of user group ${groupId}: ${error.data?.error ?? error.message}`);
      });
      const members = result.users ?? [];
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
