/** Slack's requests, built and signed as Slack sends them: the builders live beside the local workspace that uses them too. */
export * from '../../src/workspace/payloads.ts';
