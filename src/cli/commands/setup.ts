import { connectionLines } from '../../text/connections.ts';
import type { CommandKit } from '../kit.ts';

/** `migrate`, `config check` and `targets test`: the database, the pipeline file and its connections, before anything runs on them. */
export function addSetupCommands({ program, host, print, fail, readingServices }: CommandKit) {
  program
    .command('migrate')
    .description('apply the database migrations')
    .action(async () => {
      const { database, where } = await host.migrate();
      print({ migrated: true, database }, () => `Migrations applied (${where}).`);
    });

  program
    .command('config')
    .description('pipeline configuration')
    .command('check')
    .description('validate the pipeline configuration file without starting')
    .action(() => {
      const { path, environments } = host.checkConfig();
      print({ ok: true, environments }, () => `${path} is valid: ${environments.join(' → ')}.`);
    });

  program
    .command('targets')
    .description("an environment's connections: its instances' git remotes, its targets and command checks")
    .command('test <environment>')
    .description('check every connection of an environment without deploying: each git remote (reachable, branch present, push permitted), then each target and command check run with SANDBOX_ACTION=test; exit 1 when one fails')
    .action(
      readingServices(async (s, environment: string) => {
        const t = await s.testConnections(environment);
        const value = { environment: t.environment.name, checks: t.checks };
        const text = () => connectionLines(t).join('\n');
        if (t.checks.some((c) => !c.ok)) fail(value, text, `${t.checks.filter((c) => !c.ok).length} of ${t.checks.length} connection checks failed`);
        print(value, text);
      }),
    );
}
