import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliWorkspace } from '../helpers/cli.ts';

// `sandbox tokens`: the HTTP API's tokens, made, listed and revoked by admins on the command line.

let workspace: Awaited<ReturnType<typeof cliWorkspace>>;
beforeAll(async () => {
  workspace = await cliWorkspace('cli-tokens');
});
afterAll(() => workspace.close());

describe('sandbox tokens', () => {
  it('creates a token, printing its secret once; lists tokens without secrets; revokes one', async () => {
    const made = await cli('tokens', 'create', '--name', 'ci', '--scopes', 'components:write,requests:write', '--instances', 'dev-*', '--user', 'U0ADMIN');
    expect(made.code, made.err).toBe(0);
    const [first, secret, last] = made.out.split('\n');
    expect(first).toBe('Token ci made: components:write, requests:write on dev-*.');
    expect(secret).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);
    expect(last).toBe('Keep it now: it is not shown again. Send it as `Authorization: Bearer <token>`.');

    const listed = await cli('tokens', 'list', '--user', 'U0ADMIN');
    expect(listed.out).toMatch(/^ci {15}components:write,requests:write {2}instances dev-\* {2}by U0ADMIN \S+ {2}never used$/);
    expect(listed.out).not.toContain(secret!);
    const json = JSON.parse((await cli('--json', 'tokens', 'list', '--user', 'U0ADMIN')).out);
    expect(json.tokens).toEqual([expect.objectContaining({ name: 'ci', scopes: ['components:write', 'requests:write'], instances: ['dev-*'], revokedAt: null })]);
    expect(JSON.stringify(json)).not.toContain(secret!);

    const revoked = await cli('tokens', 'revoke', 'ci', '--user', 'U0ADMIN');
    expect(revoked.out).toBe('Token ci revoked: it is refused from now on.');
    expect((await cli('tokens', 'list', '--user', 'U0ADMIN')).out).toMatch(/ {2}revoked \S+$/);
  });

  it('refuses with an exit code and a sentence: a non-admin, an unknown scope, a missing option, an unknown token', async () => {
    const notAdmin = await cli('tokens', 'create', '--name', 'ci', '--scopes', 'runs:read', '--user', 'U0ALICE');
    expect(notAdmin.code).toBe(2);
    expect(notAdmin.err).toContain('Only an admin can make API tokens.');
    const scope = await cli('tokens', 'create', '--name', 'ci', '--scopes', 'runs:read,approve', '--user', 'U0ADMIN');
    expect(scope.code).toBe(2);
    expect(scope.err).toContain('approve is not a scope: give one or more of components:read');
    const missing = await cli('tokens', 'create', '--name', 'ci', '--user', 'U0ADMIN');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("required option '--scopes <scopes>' not specified");
    const unknown = await cli('tokens', 'revoke', 'nobody', '--user', 'U0ADMIN');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('A token named nobody that is not revoked was not found.');
  });
});
