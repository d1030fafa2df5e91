import type { StoredSecret } from '../../domain/secrets.ts';
import type { CommandKit } from '../kit.ts';

const secretLine = (s: StoredSecret) => `${s.environment.padEnd(14)} ${s.name.padEnd(24)} key ${s.keyId}  set by ${s.setBy} ${s.setAt.toISOString()}`;

/** `secrets set|list`: credentials of an environment's targets and checks, stored sealed (admins). */
export function addSecretCommands({ program, print, input, actor, userOption, withServices, readingServices }: CommandKit) {
  const secrets = program.command('secrets').description("credentials of an environment's targets and checks, stored sealed under SANDBOX_MASTER_KEY (admins)");

  secrets
    .command('set <environment> <name>')
    .description('store a secret, its value read from standard input (without the final newline); it is never shown again')
    .addOption(userOption())
    .action(
      withServices(async (s, environment: string, name: string, opts: { user?: string }) => {
        const value = await input();
        const stored = await s.secrets.set(actor(opts), environment, name, value);
        print(stored, () => `Secret ${stored.name} of ${stored.environment} stored (key ${stored.keyId}). Its value is not shown again; the commands of ${stored.environment} that name it in \`env\` get it.`);
      }),
    );

  secrets
    .command('list')
    .description('the stored secrets: environment, name, key, who set them and when (never their values)')
    .addOption(userOption())
    .action(
      readingServices(async (s, opts: { user?: string }) => {
        const all = await s.secrets.list(actor(opts));
        print({ secrets: all }, () => (all.length ? all.map(secretLine).join('\n') : 'No secrets stored: `sandbox secrets set <environment> <name>` stores one, its value on standard input.'));
      }),
    );
}
