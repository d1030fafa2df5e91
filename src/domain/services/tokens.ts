import { createHash, randomBytes } from 'node:crypto';
import { type ApiToken, SCOPES, type Scope } from '../api-tokens.ts';
import { InvalidInputError, NotFoundError, NotPermittedError } from '../errors.ts';
import { command, msg } from '../message.ts';
import type { Actor } from '../ports.ts';
import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';

export interface TokenInput {
  name: string;
  scopes: string[];
  /** Patterns of the instances it may work on (`dev-*`); all of them when none is given. */
  instances?: string[];
}

/** The secret of a token starts with this, so that a scanner (or a person) knows one when it sees one. */
const PREFIX = 'sbx_';
/** A run's callback token (see run-statuses.ts): it reports that run's status, and nothing else. */
export const CALLBACK_PREFIX = 'sbxcb_';

/** A new callback token for a run that has webhook targets, and the hash the run keeps of it. */
export function newCallbackToken(): { token: string; hash: string } {
  const token = `${CALLBACK_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashOfSecret(token) };
}
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const PATTERN = /^[a-z0-9*][a-z0-9*-]{0,62}$/;

/** How often the last use of a token is written at most. */
export const USE_RECORDED_EVERY_MS = 60_000;

export const hashOfSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

function assertAdmin(deps: ServiceDeps, actor: Actor, verb: string) {
  if (isAdmin(deps, actor.user) || actor.via === 'system') return;
  throw new NotPermittedError(`Only an admin can ${verb} API tokens.`);
}

function checkedInput(input: TokenInput): { name: string; scopes: Scope[]; instances: string[] } {
  if (!NAME.test(input.name)) throw new InvalidInputError(`“${input.name}” cannot name a token: use lower-case letters, digits, dots and dashes, e.g. ci or deploy-bot.`).about('name');
  const unknown = input.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (input.scopes.length === 0 || unknown.length) {
    const what = unknown.length ? `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a scope' : 'are not scopes'}` : 'A token needs at least one scope';
    throw new InvalidInputError(`${what}: give one or more of ${SCOPES.join(', ')}.`).about('scopes');
  }
  const instances = input.instances?.length ? input.instances : ['*'];
  const bad = instances.find((p) => !PATTERN.test(p));
  if (bad !== undefined) throw new InvalidInputError(`“${bad}” is not an instance pattern: an instance name, where * stands for any characters, e.g. dev-*.`).about('instances');
  return { name: input.name, scopes: [...new Set(input.scopes)].sort() as Scope[], instances: [...new Set(instances)] };
}

/** Makes a token (admins): answers it with its secret, which is shown this once and kept only as a hash. */
export async function createToken(deps: ServiceDeps, actor: Actor, input: TokenInput): Promise<{ token: ApiToken; secret: string }> {
  return audited(deps, actor, 'tokens create', input.name, async () => {
    assertAdmin(deps, actor, 'make');
    const checked = checkedInput(input);
    const secret = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const token = await deps.store.tokens.create({ ...checked, hash: hashOfSecret(secret), createdBy: actor.user, createdAt: deps.clock.now() });
    if (!token) throw new InvalidInputError(msg`There is a token named ${checked.name} already: revoke it first (${command(`tokens revoke ${checked.name}`)}), or choose another name.`).about('name');
    await audit(deps.store, deps, actor, 'tokens create', token.name, 'created', { scopes: token.scopes, instances: token.instances });
    return { token, secret };
  });
}

export async function listTokens(deps: ServiceDeps, actor: Actor): Promise<ApiToken[]> {
  assertAdmin(deps, actor, 'list');
  return deps.store.tokens.list();
}

/** Revokes a token (admins): from now on it is refused. */
export async function revokeToken(deps: ServiceDeps, actor: Actor, name: string): Promise<void> {
  return audited(deps, actor, 'tokens revoke', name, async () => {
    assertAdmin(deps, actor, 'revoke');
    if (!(await deps.store.tokens.revoke(name, deps.clock.now()))) throw new NotFoundError(`A token named ${name} that is not revoked`, msg`${command('tokens list')} lists them.`);
    await audit(deps.store, deps, actor, 'tokens revoke', name, 'revoked');
  });
}

/** The token a secret belongs to, unless it is unknown or revoked; its use is recorded. */
export async function authenticate(deps: ServiceDeps, secret: string): Promise<ApiToken | undefined> {
  if (!secret.startsWith(PREFIX)) return undefined;
  const token = await deps.store.tokens.byHash(hashOfSecret(secret));
  const now = deps.clock.now();
  // Its last use is written at most once a minute: a busy CI job's reads must not each be a write.
  if (token && (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= USE_RECORDED_EVERY_MS)) await deps.store.tokens.used(token.id, now);
  return token;
}

/** Who a token acts as: `api:<name>`, on the instances its patterns name. */
export const tokenActor = (token: ApiToken): Actor => ({ user: `api:${token.name}`, via: 'api', instances: token.instances });
