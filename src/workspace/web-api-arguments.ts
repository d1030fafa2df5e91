/**
 * The arguments Slack documents for each Web API method the app calls (docs.slack.dev/reference/methods), as a guard:
 * the tests' fake Slack and the local workspace refuse any other, so that the app's own bookkeeping never travels
 * to Slack. `token` may come in the body instead of the header; Slack's client adds `team_id` when it knows the
 * team.
 */
const DOCUMENTED: Record<string, readonly string[]> = {
  'auth.test': [],
  'apps.connections.open': [],
  'chat.postMessage': ['channel', 'text', 'blocks', 'attachments', 'markdown_text', 'thread_ts', 'reply_broadcast', 'metadata', 'mrkdwn', 'parse', 'link_names', 'unfurl_links', 'unfurl_media', 'username', 'icon_emoji', 'icon_url', 'as_user'],
  'chat.update': ['channel', 'ts', 'text', 'blocks', 'attachments', 'markdown_text', 'metadata', 'parse', 'link_names', 'reply_broadcast', 'file_ids', 'as_user'],
  'chat.getPermalink': ['channel', 'message_ts'],
  'files.getUploadURLExternal': ['filename', 'length', 'alt_txt', 'snippet_type'],
  'files.completeUploadExternal': ['files', 'channel_id', 'channels', 'initial_comment', 'thread_ts', 'blocks'],
  'chat.postEphemeral': ['channel', 'user', 'text', 'blocks', 'attachments', 'markdown_text', 'thread_ts', 'parse', 'link_names', 'username', 'icon_emoji', 'icon_url', 'as_user'],
  'views.open': ['trigger_id', 'interactivity_pointer', 'view'],
  'views.push': ['trigger_id', 'interactivity_pointer', 'view'],
  'views.update': ['view', 'view_id', 'external_id', 'hash'],
  'views.publish': ['user_id', 'view', 'hash'],
  'usergroups.users.list': ['usergroup', 'include_disabled'],
  'users.info': ['user', 'include_locale'],
  'conversations.open': ['channel', 'users', 'return_im', 'prevent_creation'],
  'conversations.join': ['channel'],
  'conversations.info': ['channel', 'include_locale', 'include_num_members'],
};

const ALWAYS = ['token', 'team_id'];

/** Slack's answer to a call that carries arguments its method does not take; undefined when every one is documented. */
export function undocumentedArguments(method: string, args: Record<string, unknown>) {
  const known = DOCUMENTED[method];
  if (!known) return undefined;
  const unknown = Object.keys(args).filter((name) => !known.includes(name) && !ALWAYS.includes(name));
  if (!unknown.length) return undefined;
  return { ok: false, error: 'invalid_arguments', response_metadata: { messages: unknown.map((name) => `[ERROR] ${name} is not an argument of ${method}`) } };
}
