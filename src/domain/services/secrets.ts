import { DomainError, InvalidInputError, NotPermittedError } from '../errors.ts';
import { findEnvironment } from '../lookups.ts';
import type { Actor, Repositories } from '../ports.ts';
import { type SealedValue, secretPlace, type StoredSecret } from '../secrets.ts';
import { type ServiceDeps, audit, audited, isAdmin } from '../service-deps.ts';
import type { Environment } from '../types.ts';

// Credentials stored for an environment's targets and checks (DESIGN.md section 10): set by admins, write-only.

const NAME = /^[A-Z_][A-Z0-9_]*$/;

const noMasterKey = (what: string) =>
  new DomainError('INVALID_STATE', `${what} needs SANDBOX_MASTER_KEY, the key secrets are sealed with: set it where the bot runs (32 bytes, e.g. \`openssl rand -hex 32\`), the same on every replica.`);

function assertAdmin(deps: ServiceDeps, actor: Actor, verb: string) {
  if (!isAdmin(deps, actor.user)) throw new NotPermittedError(`Only an admin can ${verb} secrets.`);
}

/** Stores `value` as the secret `name` of the environment (replacing one of that name), sealed; it is never shown again. */
export async function setSecret(deps: ServiceDeps, actor: Actor, environment: string, name: string, value: string): Promise<StoredSecret> {
  return audited(deps, actor, 'secrets set', `${environment}/${name}`, async () => {
    assertAdmin(deps, actor, 'set');
    if (!NAME.test(name)) throw new InvalidInputError(`“${name}” cannot name a secret: use capitals, digits and underscores, as an environment variable, e.g. API_TOKEN.`).about('name');
    if (!value) throw new InvalidInputError('The value is empty: give it on standard input, e.g. `printf %s "$VALUE" | sandbox secrets set …`.').about('value');
    if (!deps.sealer) throw noMasterKey('Storing a secret');
    const env = await findEnvironment(deps.store, environment);
    const sealed = deps.sealer.seal(value, secretPlace(env.name, name));
    const at = deps.clock.now();
    await deps.store.secrets.put(env.id, name, sealed, actor.user, at);
    await audit(deps.store, deps, actor, 'secrets set', `${env.name}/${name}`, 'stored', { keyId: sealed.keyId });
    return { environment: env.name, name, keyId: sealed.keyId, setBy: actor.user, setAt: at };
  });
}

/** Every stored secret, by environment: names, keys and who set them, never values. */
export async function listSecrets(deps: ServiceDeps, actor: Actor): Promise<StoredSecret[]> {
  assertAdmin(deps, actor, 'list');
  return deps.store.secrets.list();
}

/**
 * The environment's stored secrets, opened, by name: what its commands get (they win over the bot's environment).
 * Read through `repos`: inside a deployment, its transaction (the embedded database has one connection).
 */
export async function openSecrets(deps: ServiceDeps, repos: Repositories, env: Environment): Promise<Record<string, string>> {
  const stored = await repos.secrets.sealedFor(env.id);
  if (!stored.length) return {};
  if (!deps.sealer) throw noMasterKey(`Opening the secrets of ${env.name}`);
  const sealer = deps.sealer;
  const open = (name: string, sealed: SealedValue) => {
    try {
      return sealer.open(sealed, secretPlace(env.name, name));
    } catch (error) {
      throw new DomainError('INVALID_STATE', (error as Error).message);
    }
  };
  return Object.fromEntries(stored.map(({ name, sealed }) => [name, open(name, sealed)]));
}
