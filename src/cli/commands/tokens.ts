import { Option } from 'commander';
import { type ApiToken, SCOPES } from '../../domain/api-tokens.ts';
import type { CommandKit } from '../kit.ts';

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

/** A token as `sandbox tokens list --json` gives it: never its secret, which is not kept. */
const shown = (t: ApiToken) => ({ name: t.name, scopes: t.scopes, instances: t.instances, createdBy: t.createdBy, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt });

function tokenLine(t: ApiToken): string {
  const used = t.lastUsedAt ? `last used ${t.lastUsedAt.toISOString()}` : 'never used';
  const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : used;
  return `${t.name.padEnd(16)} ${t.scopes.join(',')}  instances ${t.instances.join(',')}  by ${t.createdBy} ${t.createdAt.toISOString()}  ${state}`;
}

/** `tokens create|list|revoke`: the HTTP API's tokens, made and revoked by admins. */
export function addTokenCommands({ program, print, actor, userOption, withServices, readingServices }: CommandKit) {
  const tokens = program.command('tokens').description('tokens of the HTTP API, for CI systems and scripts (admins)');

  tokens
    .command('create')
    .description('make a token: its secret is printed once, and only its hash is kept')
    .requiredOption('--name <name>', 'what the token is for, e.g. ci (the audit names its actions api:<name>)')
    .addOption(new Option('--scopes <scopes>', `what it may do, comma-separated: ${SCOPES.join(', ')}`).makeOptionMandatory())
    .option('--instances <patterns>', 'the instances it may work on, comma-separated; * stands for any characters, e.g. dev-* (default: all)')
    .addOption(userOption())
    .action(
      withServices(async (s, opts: { name: string; scopes: string; instances?: string; user?: string }) => {
        const { token, secret } = await s.tokens.create(actor(opts), { name: opts.name, scopes: list(opts.scopes), instances: opts.instances ? list(opts.instances) : undefined });
        print({ ...shown(token), secret }, () =>
          [`Token ${token.name} made: ${token.scopes.join(', ')} on ${token.instances.join(', ')}.`, secret, 'Keep it now: it is not shown again. Send it as `Authorization: Bearer <token>`.'].join('\n'),
        );
      }),
    );

  tokens
    .command('list')
    .description('every token: its scopes, instances, who made it, when it was last used or revoked')
    .addOption(userOption())
    .action(
      readingServices(async (s, opts: { user?: string }) => {
        const all = await s.tokens.list(actor(opts));
        print({ tokens: all.map(shown) }, () => (all.length ? all.map(tokenLine).join('\n') : 'No tokens yet: `sandbox tokens create --name ci --scopes …` makes one.'));
      }),
    );

  tokens
    .command('revoke <name>')
    .description('revoke a token: it is refused from then on')
    .addOption(userOption())
    .action(
      withServices(async (s, name: string, opts: { user?: string }) => {
        await s.tokens.revoke(actor(opts), name);
        print({ revoked: name }, () => `Token ${name} revoked: it is refused from now on.`);
      }),
    );
}
