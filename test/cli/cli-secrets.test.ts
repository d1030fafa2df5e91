import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWithInput, cliWorkspace } from '../helpers/cli.ts';

// `sandbox secrets`: credentials of an environment's targets and checks, stored sealed by admins on the command line,
// their values read from standard input and never shown again.

let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
beforeAll(async () => {
  workspace = await cliWorkspace('cli-secrets');
  process.env.SANDBOX_MASTER_KEY = randomBytes(32).toString('hex');
});
afterAll(() => workspace.close());

describe('sandbox secrets', () => {
  it('stores a secret read from standard input, and lists it without its value', async () => {
    const stored = await cliWithInput('tok-0123456789\n', 'secrets', 'set', 'staging', 'API_TOKEN', '--user', 'U0ADMIN');
    expect(stored.code, stored.err).toBe(0);
    expect(stored.out).toMatch(/^Secret API_TOKEN of Staging stored \(key [0-9a-f]{12}\)\. Its value is not shown again; the commands of Staging that name it in `env` get it\.$/);
    const listed = await cli('secrets', 'list', '--user', 'U0ADMIN');
    expect(listed.out).toMatch(/^Staging {8}API_TOKEN {16}key [0-9a-f]{12} {2}set by U0ADMIN \S+$/);
    const json = await cli('--json', 'secrets', 'list', '--user', 'U0ADMIN');
    expect(JSON.parse(json.out).secrets).toEqual([expect.objectContaining({ environment: 'Staging', name: 'API_TOKEN', setBy: 'U0ADMIN' })]);
    for (const output of [stored.out, listed.out, json.out]) expect(output).not.toContain('tok-0123456789');
    // Set again: replaced, still one.
    await cliWithInput('tok-new', 'secrets', 'set', 'Staging', 'API_TOKEN', '--user', 'U0ADMIN');
    expect((await cli('secrets', 'list', '--user', 'U0ADMIN')).out.split('\n')).toHaveLength(1);
  });

  it('refuses with an exit code and a sentence: a non-admin, a bad name, an empty value, an unknown environment, no master key', async () => {
    const notAdmin = await cliWithInput('x', 'secrets', 'set', 'Staging', 'API_TOKEN', '--user', 'U0ALICE');
    expect([notAdmin.code, notAdmin.err]).toEqual([2, expect.stringContaining('Only an admin can set secrets.')]);
    const badName = await cliWithInput('x', 'secrets', 'set', 'Staging', 'api-token', '--user', 'U0ADMIN');
    expect(badName.err).toContain('“api-token” cannot name a secret: use capitals, digits and underscores, as an environment variable, e.g. API_TOKEN.');
    const empty = await cliWithInput('\n', 'secrets', 'set', 'Staging', 'API_TOKEN', '--user', 'U0ADMIN');
    expect(empty.err).toContain('The value is empty: give it on standard input');
    const unknown = await cliWithInput('x', 'secrets', 'set', 'Nowhere', 'API_TOKEN', '--user', 'U0ADMIN');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Nowhere');
    const key = process.env.SANDBOX_MASTER_KEY;
    delete process.env.SANDBOX_MASTER_KEY;
    try {
      const noKey = await cliWithInput('x', 'secrets', 'set', 'Staging', 'API_TOKEN', '--user', 'U0ADMIN');
      expect(noKey.code).toBe(2);
      expect(noKey.err).toContain('Storing a secret needs SANDBOX_MASTER_KEY, the key secrets are sealed with: set it where the bot runs (32 bytes, e.g. `openssl rand -hex 32`), the same on every replica.');
      process.env.SANDBOX_MASTER_KEY = 'too-short';
      const badKey = await cli('secrets', 'list', '--user', 'U0ADMIN');
      expect(badKey.err).toContain('SANDBOX_MASTER_KEY: must be 32 bytes as 64 hex digits or base64');
      expect(badKey.err).not.toContain('too-short');
    } finally {
      process.env.SANDBOX_MASTER_KEY = key;
    }
  });
});
