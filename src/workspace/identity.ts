/** The emulated workspace and the bot's identity in it: the Web API answers with these, payloads carry them. */
export const WORKSPACE = {
  teamId: 'T0SANDBOX',
  teamDomain: 'sandbox-local',
  teamName: 'Sandbox (local)',
  appId: 'A0SANDBOX',
  botUserId: 'U0SANDBOXBOT',
  botId: 'B0SANDBOX',
} as const;
